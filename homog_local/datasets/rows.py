"""Row reading shared by the builtin and the generic loaders: JSONL and CSV rows with line numbers.

A row converter turns one parsed row into a `Question` or raises `RowError`;
`collect_questions` applies it, records every malformed row as a `SkippedRow`
and stops at the requested limit.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, TypeAlias

from homog_local.datasets.records import LoadResult, Question, SkippedRow
from homog_local.errors import DatasetError

if TYPE_CHECKING:
    from _csv import _reader

__all__ = [
    "ParsedRow",
    "RowConverter",
    "RowError",
    "collect_questions",
    "decode_text",
    "iter_csv_rows",
    "iter_jsonl_rows",
    "json_type_name",
    "require_text",
    "split_semicolon_list",
]

logger = logging.getLogger(__name__)

ParsedRow: TypeAlias = tuple[int, Mapping[str, object] | SkippedRow]
"""A 1-based start line and either the row's fields or the reason it could not be parsed."""

RowConverter: TypeAlias = Callable[[Mapping[str, object], int, int], Question]
"""Build a question from a row, its 0-based record number and its 0-based question index."""


class RowError(Exception):
    """One row is malformed; the loader records it and moves on.

    Parameters
    ----------
    field : str or None
        The missing or invalid field, or None for the whole row.
    reason : str
        What was wrong.
    """

    def __init__(self, field: str | None, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}" if field else reason)


def decode_text(data: bytes, source: str) -> str:
    """Decode file bytes as UTF-8, dropping a leading byte order mark.

    Raises
    ------
    DatasetError
        If the bytes are not valid UTF-8.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DatasetError(
            source,
            f"not valid UTF-8 (invalid byte at offset {exc.start}); save the file as UTF-8",
        ) from exc


def iter_jsonl_rows(text: str) -> Iterator[ParsedRow]:
    r"""Yield each non-blank JSON Lines row with its 1-based line number.

    Only ``\n`` separates lines, because JSON strings may contain raw U+2028
    and other characters that `str.splitlines` would also split on.
    """
    for line_number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        try:
            value = json.loads(stripped)
        except json.JSONDecodeError as exc:
            reason = f"invalid JSON: {exc.msg} at column {exc.colno}"
            yield line_number, SkippedRow(line_number, None, reason)
            continue
        if not isinstance(value, dict):
            reason = f"expected a JSON object, got {json_type_name(value)}"
            yield line_number, SkippedRow(line_number, None, reason)
            continue
        yield line_number, value


def iter_csv_rows(text: str, source: str) -> tuple[list[str], Iterator[ParsedRow]]:
    """Parse the CSV header and return it with an iterator over the data rows.

    Each row is yielded with the line it starts on, so rows with quoted
    newlines keep correct line numbers. Blank lines are passed over.

    Raises
    ------
    DatasetError
        If the file has no header row, or the CSV syntax is broken (the
        reader cannot resume after that, so no later row could be trusted).
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header_cells = next(reader, None)
    except csv.Error as exc:
        raise DatasetError(source, f"invalid CSV header: {exc}", line=1) from exc
    if header_cells is None or not any(cell.strip() for cell in header_cells):
        raise DatasetError(source, "the file is empty; expected a header row with column names")
    header = [cell.strip() for cell in header_cells]
    return header, _csv_data_rows(reader, header, source)


def _csv_data_rows(reader: _reader, header: list[str], source: str) -> Iterator[ParsedRow]:
    line_number_before = 1
    while True:
        start_line = line_number_before + 1
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            raise DatasetError(source, f"invalid CSV: {exc}", line=start_line) from exc
        if cells is None:
            return
        line_number_before = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            reason = f"row has {len(cells)} columns but the header has {len(header)}"
            yield start_line, SkippedRow(start_line, None, reason)
            continue
        yield start_line, dict(zip(header, cells, strict=True))


def require_text(row: Mapping[str, object], field: str) -> str:
    """Return a row's string field with surrounding whitespace removed.

    Raises
    ------
    RowError
        If the field is missing, is not a string, or is blank.
    """
    if field not in row:
        raise RowError(field, "missing field")
    value = row[field]
    if not isinstance(value, str):
        raise RowError(field, f"expected a string, got {json_type_name(value)}")
    text = value.strip()
    if not text:
        raise RowError(field, "empty value")
    return text


def split_semicolon_list(value: str) -> tuple[str, ...]:
    """Split a ``;``-separated cell into stripped, non-empty items."""
    return tuple(item.strip() for item in value.split(";") if item.strip())


def collect_questions(
    *,
    name: str,
    source: str,
    license: str | None,
    rows: Iterable[ParsedRow],
    convert: RowConverter,
    limit: int | None,
) -> LoadResult:
    """Convert parsed rows into questions and record the rows that fail.

    Parameters
    ----------
    name, source, license
        Copied into the result.
    rows : iterable of ParsedRow
        Rows in file order. Every item counts as one record for the record
        number passed to `convert`, valid or not, so that a question's record
        number does not change when an earlier malformed row is fixed.
    convert : RowConverter
        Builds a question or raises `RowError`.
    limit : int or None
        Stop after this many valid questions; None or 0 reads every row.

    Returns
    -------
    LoadResult

    Raises
    ------
    DatasetError
        If no row is valid.

    Notes
    -----
    When any row is skipped, one logging warning gives the count and the first problem.
    """
    questions: list[Question] = []
    skipped: list[SkippedRow] = []
    for record_number, (line_number, item) in enumerate(rows):
        if isinstance(item, SkippedRow):
            skipped.append(item)
            continue
        try:
            question = convert(item, record_number, len(questions))
        except RowError as exc:
            skipped.append(SkippedRow(line_number, exc.field, exc.reason))
            continue
        questions.append(question)
        if limit and len(questions) >= limit:
            break

    if skipped:
        first = skipped[0]
        logger.warning(
            "%s: skipped %d malformed row(s); first at line %d%s: %s",
            source,
            len(skipped),
            first.line,
            f", field {first.field!r}" if first.field else "",
            first.reason,
        )
    if not questions:
        if skipped:
            first = skipped[0]
            raise DatasetError(
                source,
                f"no valid rows: all {len(skipped)} row(s) are malformed; "
                f"the first problem is: {first.reason}",
                line=first.line,
                field=first.field,
            )
        raise DatasetError(source, "the file contains no data rows")
    return LoadResult(
        name=name,
        source=source,
        questions=tuple(questions),
        skipped=tuple(skipped),
        license=license,
    )


def json_type_name(value: object) -> str:
    """Return the JSON name of a parsed value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
