"""`load_dataset`: load a builtin benchmark by name or a user's JSONL or CSV file."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from homog_local.datasets.builtin import BUILTIN_DATASETS, load_builtin
from homog_local.datasets.records import LoadResult, Question
from homog_local.datasets.rows import (
    ParsedRow,
    RowError,
    collect_questions,
    decode_text,
    iter_csv_rows,
    iter_jsonl_rows,
    json_type_name,
    require_text,
    split_semicolon_list,
)
from homog_local.errors import ConfigError, DatasetError

__all__ = [
    "ACCEPTED_FILE_SUFFIXES",
    "DEFAULT_ANSWERS_FIELDS",
    "DEFAULT_QUESTION_FIELD",
    "load_dataset",
]

logger = logging.getLogger(__name__)

ACCEPTED_FILE_SUFFIXES: tuple[str, ...] = (".jsonl", ".csv")
DEFAULT_QUESTION_FIELD = "question"
DEFAULT_ANSWERS_FIELDS: tuple[str, ...] = ("answers", "answer")


def load_dataset(
    name_or_path: str | os.PathLike[str],
    *,
    question_field: str | None = None,
    answers_field: str | None = None,
    id_field: str | None = None,
    limit: int | None = None,
) -> LoadResult:
    """Load a builtin benchmark by name, or questions from a JSONL or CSV file.

    Parameters
    ----------
    name_or_path : str or os.PathLike
        A key of `BUILTIN_DATASETS` (case-insensitive), or a path to a ``.jsonl``
        or ``.csv`` file. A builtin name wins over a file of the same name.
    question_field : str or None, default None
        Field that holds the question text. None means ``"question"``. Files only.
    answers_field : str or None, default None
        Field that holds the gold answers. None tries ``"answers"`` and then
        ``"answer"`` in each row. Files only.
    id_field : str or None, default None
        Field whose value becomes `Question.qid`. None uses the 0-based record
        number. Files only.
    limit : int or None, default None
        Keep the first `limit` valid questions; None or 0 keeps all.

    Returns
    -------
    LoadResult
        Questions in file order, the malformed rows that were skipped, and the
        data license for builtin sets.

    Raises
    ------
    DatasetError
        If the name is neither a builtin name nor an existing file, the file type
        is not accepted, the file is not UTF-8, a CSV header lacks a required
        column, or no row is valid.
    ConfigError
        If `limit` is negative, or a field option is given with a builtin name.

    Notes
    -----
    When any row is malformed, one logging warning gives the count of skipped rows.

    Rows in a file are malformed, and recorded in `LoadResult.skipped` with
    their line and field, when a JSONL line is not a JSON object, a CSV row has
    the wrong number of columns, the question is missing, blank or not a
    string, the answers are missing or have the wrong type or are all blank,
    or the id is missing, of the wrong type or repeated.

    Gold answers may be a JSON list of strings or numbers, a single JSON string
    or number, or a CSV cell with ``;``-separated answers. A JSON string is one
    answer and is not split.

    Without `id_field`, `qid` is the 0-based number of the row among the
    file's non-blank rows, counting malformed rows too. Ids stay the same when a
    malformed row is fixed, but change when rows are inserted or removed above.

    Examples
    --------
    >>> result = load_dataset("gsm8k", limit=2)
    >>> [q.qid for q in result.questions]
    ['0', '1']
    """
    limit = _checked_limit(limit)
    key = os.fspath(name_or_path).strip()
    info = BUILTIN_DATASETS.get(key.lower())
    if info is not None:
        options = {
            "question_field": question_field,
            "answers_field": answers_field,
            "id_field": id_field,
        }
        for option, value in options.items():
            if value is not None:
                raise ConfigError(
                    option,
                    value,
                    f"field options apply to JSONL and CSV files only; the builtin dataset "
                    f"{info.name!r} has fixed fields",
                )
        return load_builtin(info, limit)
    return _load_file(
        key,
        question_field=question_field or DEFAULT_QUESTION_FIELD,
        answers_fields=(answers_field,) if answers_field else DEFAULT_ANSWERS_FIELDS,
        id_field=id_field,
        limit=limit,
    )


def _checked_limit(limit: int | None) -> int | None:
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ConfigError("limit", limit, "use a positive number of questions, or 0 for all")
    return limit


def _load_file(
    value: str,
    *,
    question_field: str,
    answers_fields: tuple[str, ...],
    id_field: str | None,
    limit: int | None,
) -> LoadResult:
    path = Path(value).expanduser()
    if not path.is_file():
        builtin_names = ", ".join(sorted(BUILTIN_DATASETS))
        suffixes = ", ".join(ACCEPTED_FILE_SUFFIXES)
        if path.is_dir():
            problem = "is a directory"
        else:
            problem = "is not a builtin dataset or an existing file"
        raise DatasetError(
            value,
            f"{problem}; use a builtin name ({builtin_names}) "
            f"or a path to a file of type {suffixes}",
        )
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in ACCEPTED_FILE_SUFFIXES:
        raise DatasetError(
            source,
            f"unsupported file type {suffix or '(no suffix)'!r}; "
            f"accepted types: {', '.join(ACCEPTED_FILE_SUFFIXES)}",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DatasetError(source, f"failed to read the file: {exc.strerror or exc}") from exc
    text = decode_text(data, source)

    rows: Iterator[ParsedRow]
    if suffix == ".csv":
        header, rows = iter_csv_rows(text, source)
        answers_fields = _check_csv_header(source, header, question_field, answers_fields, id_field)
    else:
        rows = iter_jsonl_rows(text)
    converter = _FileRowConverter(
        name=path.stem,
        question_field=question_field,
        answers_fields=answers_fields,
        id_field=id_field,
        split_answers=suffix == ".csv",
    )
    result = collect_questions(
        name=path.stem, source=source, license=None, rows=rows, convert=converter, limit=limit
    )
    logger.info("loaded %d questions from %s", len(result.questions), source)
    return result


def _check_csv_header(
    source: str,
    header: list[str],
    question_field: str,
    answers_fields: tuple[str, ...],
    id_field: str | None,
) -> tuple[str, ...]:
    """Check the required columns once and return the one answers column to use."""
    columns = ", ".join(repr(name) for name in header)
    for option, column in (("question_field", question_field), ("id_field", id_field)):
        if column is not None and column not in header:
            raise DatasetError(
                source,
                f"no column {column!r} in the CSV header (columns: {columns}); "
                f"set {option} to one of the columns",
                line=1,
                field=column,
            )
    for column in answers_fields:
        if column in header:
            return (column,)
    expected_fields = " or ".join(repr(name) for name in answers_fields)
    raise DatasetError(
        source,
        f"no answers column {expected_fields} in the CSV header (columns: {columns}); "
        "set answers_field to one of the columns",
        line=1,
        field=answers_fields[0],
    )


class _FileRowConverter:
    """Build questions from the rows of a user file and reject repeated ids."""

    def __init__(
        self,
        *,
        name: str,
        question_field: str,
        answers_fields: tuple[str, ...],
        id_field: str | None,
        split_answers: bool,
    ) -> None:
        self.name = name
        self.question_field = question_field
        self.answers_fields = answers_fields
        self.id_field = id_field
        self.split_answers = split_answers
        self.seen_ids: set[str] = set()

    def __call__(self, row: Mapping[str, object], record_number: int, index: int) -> Question:
        text = require_text(row, self.question_field)
        references = self._references(row)
        qid = self._qid(row, record_number)
        self.seen_ids.add(qid)
        return Question(dataset=self.name, qid=qid, index=index, text=text, references=references)

    def _references(self, row: Mapping[str, object]) -> tuple[str, ...]:
        field = next((name for name in self.answers_fields if name in row), None)
        if field is None:
            expected_fields = " or ".join(repr(name) for name in self.answers_fields)
            raise RowError(self.answers_fields[0], f"missing field; expected {expected_fields}")
        value = row[field]
        if isinstance(value, str):
            items = split_semicolon_list(value) if self.split_answers else (value.strip(),)
        elif isinstance(value, list):
            items = tuple(_answer_text(item, field) for item in value)
        else:
            items = (_answer_text(value, field),)
        references = tuple(item for item in items if item)
        if not references:
            raise RowError(field, "no non-empty answer")
        return references

    def _qid(self, row: Mapping[str, object], record_number: int) -> str:
        if self.id_field is None:
            return str(record_number)
        if self.id_field not in row:
            raise RowError(self.id_field, "missing field")
        value = row[self.id_field]
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise RowError(
                self.id_field, f"expected a string or an integer, got {json_type_name(value)}"
            )
        qid = str(value).strip()
        if not qid:
            raise RowError(self.id_field, "empty value")
        if qid in self.seen_ids:
            raise RowError(self.id_field, f"duplicate id {qid!r}; ids must be unique")
        return qid


def _answer_text(value: object, field: str) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise RowError(
        field, f"expected a string, a number or a list of them, got {json_type_name(value)}"
    )
