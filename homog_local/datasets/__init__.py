"""Benchmark questions: the shipped files and a generic JSONL/CSV loader.

`load_dataset` takes a builtin name (see `BUILTIN_DATASETS`) or a file path and
returns a `LoadResult` with frozen `Question` records and the malformed rows it
skipped.
"""

from __future__ import annotations

from homog_local.datasets.builtin import BUILTIN_DATASETS, DatasetInfo
from homog_local.datasets.loader import (
    ACCEPTED_FILE_SUFFIXES,
    DEFAULT_ANSWERS_FIELDS,
    DEFAULT_QUESTION_FIELD,
    load_dataset,
)
from homog_local.datasets.records import (
    ANSWER_KINDS,
    AnswerKind,
    LoadResult,
    Question,
    SkippedRow,
)

__all__ = [
    "ACCEPTED_FILE_SUFFIXES",
    "ANSWER_KINDS",
    "BUILTIN_DATASETS",
    "DEFAULT_ANSWERS_FIELDS",
    "DEFAULT_QUESTION_FIELD",
    "AnswerKind",
    "DatasetInfo",
    "LoadResult",
    "Question",
    "SkippedRow",
    "load_dataset",
]
