"""The per-question score table and its loaders from JSONL, CSV and JSON files."""

from __future__ import annotations

import csv
import json
import logging
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from homog_local.errors import ConfigError, DatasetError

__all__ = [
    "DEFAULT_CORRECT_VALUES",
    "DEFAULT_INCORRECT_VALUES",
    "ColumnMapping",
    "ScoreTable",
    "SignalColumn",
    "load_table",
    "parse_costs",
    "parse_mapping",
]

log = logging.getLogger(__name__)

#: Label values (compared lower-cased, as strings) that mean "incorrect".
DEFAULT_INCORRECT_VALUES: frozenset[str] = frozenset({"incorrect", "1", "true", "wrong"})
#: Label values that mean "correct". Any other value (e.g. "ambiguous") is excluded.
DEFAULT_CORRECT_VALUES: frozenset[str] = frozenset({"correct", "0", "false", "right"})

_MAP_HELP = (
    "use NAME=COLUMN pairs separated by commas with one label=COLUMN, "
    "e.g. --map label=label,b1=mean_entropy,b2=-density_binary "
    "(a leading '-' negates a confidence so that higher means less certain)"
)


@dataclass(frozen=True, eq=False)
class ScoreTable:
    """Per-question correctness labels and uncertainty scores of one run or file.

    Attributes
    ----------
    qids : tuple of str
        Question ids, one per row.
    is_incorrect : numpy.ndarray of int8, shape (n,)
        1 when the answer is incorrect.
    scores : mapping of str to numpy.ndarray, each shape (n,)
        Uncertainty signals (higher = less certain), in stage order for
        cascades. NaN marks a question where the signal failed.
    costs : mapping of str to float
        Cost per question of each signal, in one unit for all (seconds or
        tokens). Signals without an entry cost 0 except as set by the caller.
    source : str
        File path or run id, for reports.
    excluded : mapping of str to int
        Rows left out, by label value (e.g. ``{"ambiguous": 12}``).
    """

    qids: tuple[str, ...]
    is_incorrect: np.ndarray
    scores: Mapping[str, np.ndarray]
    costs: Mapping[str, float] = field(default_factory=dict)
    source: str = ""
    excluded: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.qids)
        if self.is_incorrect.shape != (n,):
            raise ValueError(f"is_incorrect has shape {self.is_incorrect.shape}; expected ({n},)")
        for name, values in self.scores.items():
            if values.shape != (n,):
                raise ValueError(f"signal {name!r} has shape {values.shape}; expected ({n},)")

    @property
    def n_questions(self) -> int:
        """Number of labelled rows."""
        return len(self.qids)

    @property
    def signal_names(self) -> tuple[str, ...]:
        """Signal names in stage order."""
        return tuple(self.scores)

    def valid(self, *names: str) -> np.ndarray:
        """Return the mask of rows where every named signal is finite."""
        mask = np.ones(self.n_questions, dtype=bool)
        for name in names:
            mask &= np.isfinite(self.scores[name])
        return mask

    @classmethod
    def from_records(
        cls,
        qids: Sequence[str],
        labels: Sequence[str],
        signals: Mapping[str, Sequence[float]],
        *,
        costs: Mapping[str, float] | None = None,
        source: str = "",
        incorrect_values: Iterable[str] = DEFAULT_INCORRECT_VALUES,
        correct_values: Iterable[str] = DEFAULT_CORRECT_VALUES,
    ) -> ScoreTable:
        """Build a table from label strings such as the store's ``correct``/``incorrect``.

        Rows whose label is neither incorrect nor correct are left out and
        counted in ``excluded``.
        """
        incorrect = {str(v).lower() for v in incorrect_values}
        correct = {str(v).lower() for v in correct_values}
        keep: list[int] = []
        flags: list[int] = []
        excluded: Counter[str] = Counter()
        for i, label in enumerate(labels):
            key = _label_key(label)
            if key in incorrect:
                keep.append(i)
                flags.append(1)
            elif key in correct:
                keep.append(i)
                flags.append(0)
            else:
                excluded[key] += 1
        return cls(
            tuple(str(qids[i]) for i in keep),
            np.array(flags, dtype=np.int8),
            {name: np.asarray(values, dtype=float)[keep] for name, values in signals.items()},
            dict(costs or {}),
            source,
            dict(excluded),
        )


def _label_key(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().lower()


@dataclass(frozen=True)
class SignalColumn:
    """One signal taken from a file column.

    Attributes
    ----------
    name : str
        Signal name in reports.
    column : str
        Column or field name in the file.
    negate : bool
        Whether the column is a confidence and is negated to an uncertainty.
    """

    name: str
    column: str
    negate: bool = False


@dataclass(frozen=True)
class ColumnMapping:
    """Mapping from file columns to the label, the question id and the signals.

    Attributes
    ----------
    label : str
        Column of the correctness label.
    qid : str or None
        Column of the question id; row numbers are used when None.
    signals : tuple of SignalColumn
        Signals in stage order (cheapest first for cascades).
    """

    label: str
    qid: str | None
    signals: tuple[SignalColumn, ...]


def parse_mapping(text: str) -> ColumnMapping:
    """Parse ``label=COL,qid=COL,NAME=[-]COL,...`` into a :class:`ColumnMapping`.

    Raises
    ------
    ConfigError
        If a pair is malformed, a name repeats, ``label`` is missing or no
        signal is given.

    Examples
    --------
    >>> parse_mapping("label=label,b1=mean_entropy,b2=-density").signals[1]
    SignalColumn(name='b2', column='density', negate=True)
    """
    label = qid = None
    signals: list[SignalColumn] = []
    seen: set[str] = set()
    for pair in (p.strip() for p in text.split(",")):
        if not pair:
            continue
        name, sep, column = (part.strip() for part in pair.partition("="))
        if not sep or not name or not column.lstrip("-"):
            raise ConfigError("--map", pair, _MAP_HELP)
        if name in seen:
            raise ConfigError("--map", pair, f"name {name!r} appears twice; {_MAP_HELP}")
        seen.add(name)
        if name == "label":
            label = column
        elif name == "qid":
            qid = column
        else:
            negate = column.startswith("-")
            signals.append(SignalColumn(name, column[1:] if negate else column, negate))
    if label is None:
        raise ConfigError("--map", text, f"label=COLUMN is missing; {_MAP_HELP}")
    if not signals:
        raise ConfigError("--map", text, f"no signal column given; {_MAP_HELP}")
    return ColumnMapping(label, qid, tuple(signals))


def parse_costs(text: str, signal_names: Sequence[str]) -> dict[str, float]:
    """Parse ``NAME=COST,...`` (cost per question, one unit for all) for known signals.

    Raises
    ------
    ConfigError
        If a pair is malformed, a name is not a mapped signal or a cost is negative.
    """
    costs: dict[str, float] = {}
    for pair in (p.strip() for p in text.split(",")):
        if not pair:
            continue
        name, sep, value = (part.strip() for part in pair.partition("="))
        if not sep or name not in signal_names:
            raise ConfigError(
                "--cost", pair, f"use NAME=COST with NAME one of {', '.join(signal_names)}"
            )
        try:
            cost = float(value)
        except ValueError:
            raise ConfigError("--cost", pair, "the cost must be a number >= 0") from None
        if not cost >= 0:
            raise ConfigError("--cost", pair, "the cost must be a number >= 0")
        costs[name] = cost
    return costs


def _read_records(path: Path) -> list[dict[str, Any]]:
    suffix = path.suffix.lower()
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DatasetError(source, "file not found; check the path") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DatasetError(source, f"cannot read the file ({error})") from None
    if suffix == ".jsonl":
        records = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise DatasetError(source, f"invalid JSON ({error.msg})", line=number) from None
            if not isinstance(record, dict):
                raise DatasetError(source, "each line must be a JSON object", line=number)
            records.append(record)
        return records
    if suffix == ".csv":
        return list(csv.DictReader(text.splitlines()))
    if suffix == ".json":
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise DatasetError(source, f"invalid JSON ({error.msg})", line=error.lineno) from None
        return _records_from_document(document, source)
    raise DatasetError(source, f"unknown file type {suffix!r}; use .jsonl, .csv or .json")


def _records_from_document(document: object, source: str) -> list[dict[str, Any]]:
    if isinstance(document, list):
        records = document
    elif isinstance(document, dict):
        lists = [
            key
            for key, value in document.items()
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
        ]
        if len(lists) != 1:
            found = ", ".join(lists) or "none"
            raise DatasetError(
                source,
                "a JSON object must hold exactly one list of per-question objects "
                f"(found: {found}); save the rows as a list or as JSONL",
            )
        records = document[lists[0]]
    else:
        raise DatasetError(source, "JSON must be a list of objects or an object holding one")
    if not all(isinstance(record, dict) for record in records):
        raise DatasetError(source, "every row must be a JSON object")
    return records


def _number(value: object, source: str, line: int, column: str) -> float:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return math.nan
    if isinstance(value, bool):
        return float(value)
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DatasetError(source, f"expected a number, got {value!r}", line, column) from None


def load_table(
    path: str | Path,
    mapping: ColumnMapping,
    *,
    costs: Mapping[str, float] | None = None,
    incorrect_values: Iterable[str] = DEFAULT_INCORRECT_VALUES,
    correct_values: Iterable[str] = DEFAULT_CORRECT_VALUES,
) -> ScoreTable:
    """Load a per-question table from a JSONL, CSV or JSON file.

    Parameters
    ----------
    path : str or Path
        ``.jsonl`` (one object per line), ``.csv`` (header row) or ``.json``
        (a list of objects, or an object holding exactly one such list).
    mapping : ColumnMapping
        Columns of the label, question id and signals.
    costs : mapping of str to float, optional
        Cost per question of each signal.
    incorrect_values, correct_values : iterable of str
        Label values (lower-cased) meaning incorrect and correct.

    Returns
    -------
    ScoreTable
        Rows with other label values are left out and counted. Empty or null
        signal values become NaN (a failed signal), counted per signal in
        reports.

    Raises
    ------
    DatasetError
        If the file is missing or malformed, a mapped column does not exist
        (the message lists the available columns), or a value is not a number.
    """
    source = str(path)
    records = _read_records(Path(path))
    if not records:
        raise DatasetError(source, "the file has no rows")
    available = sorted(set().union(*(record.keys() for record in records[:50])))
    wanted = [mapping.label, *(s.column for s in mapping.signals)]
    if mapping.qid is not None:
        wanted.append(mapping.qid)
    for column in wanted:
        if column not in available:
            raise DatasetError(
                source,
                f"column not found; fix --map (available columns: {', '.join(available)})",
                field=column,
            )
    labels = []
    qids = []
    signals: dict[str, list[float]] = {s.name: [] for s in mapping.signals}
    for number, record in enumerate(records, start=1):
        if mapping.label not in record:
            raise DatasetError(source, "label missing in this row", number, mapping.label)
        labels.append(record[mapping.label])
        qids.append(str(record.get(mapping.qid, number)) if mapping.qid else str(number))
        for signal in mapping.signals:
            value = _number(record.get(signal.column), source, number, signal.column)
            signals[signal.name].append(-value if signal.negate else value)
    table = ScoreTable.from_records(
        qids,
        labels,
        signals,
        costs=costs,
        source=source,
        incorrect_values=incorrect_values,
        correct_values=correct_values,
    )
    log.info(
        "loaded %d labelled rows from %s (%d excluded)",
        table.n_questions,
        source,
        sum(table.excluded.values()),
    )
    return table
