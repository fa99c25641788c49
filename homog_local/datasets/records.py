"""Records that a dataset load returns: questions, skipped rows and the load result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["ANSWER_KINDS", "AnswerKind", "LoadResult", "Question", "SkippedRow"]

AnswerKind = Literal["truthfulqa", "numeric", "alias"]
"""How the answers of a dataset are checked; `judges.judges_for` maps each kind to judges."""

ANSWER_KINDS: tuple[AnswerKind, ...] = ("truthfulqa", "numeric", "alias")


@dataclass(frozen=True)
class Question:
    """One benchmark question with its gold references.

    Parameters
    ----------
    dataset : str
        Name of the dataset the question belongs to (a builtin name or a file stem).
    qid : str
        Identifier that stays the same across runs on the same file. Runs are paired on it.
        Builtin sets use the 0-based row index; files use the id field when one is given.
    index : int
        0-based position of the question in the loaded sequence.
    text : str
        Question text, with leading and trailing whitespace removed.
    references : tuple of str
        Correct (gold) answers. Never empty.
    incorrect_references : tuple of str, default ()
        Known incorrect answers (TruthfulQA only).
    category : str or None, default None
        Category label of the question, when the dataset has one.
    best_answer : str or None, default None
        The single best gold answer when the dataset names one: TruthfulQA's
        `Best Answer` or the GSM8K gold number.
    """

    dataset: str
    qid: str
    index: int
    text: str
    references: tuple[str, ...]
    incorrect_references: tuple[str, ...] = ()
    category: str | None = None
    best_answer: str | None = None


@dataclass(frozen=True)
class SkippedRow:
    """A malformed row that a load left out.

    Parameters
    ----------
    line : int
        1-based line number in the file where the row starts.
    field : str or None
        The field that was missing or invalid, or None when the whole row was unreadable.
    reason : str
        What was wrong with the row.
    """

    line: int
    field: str | None
    reason: str


@dataclass(frozen=True)
class LoadResult:
    """The questions of one dataset load and the rows it skipped.

    Parameters
    ----------
    name : str
        Dataset name: the builtin name, or the file name without its suffix.
    source : str
        Path of the file that was read.
    questions : tuple of Question
        Valid questions in file order, cut to the requested limit.
    skipped : tuple of SkippedRow
        Malformed rows met before the limit was reached, in file order.
    license : str or None
        SPDX identifier of the data license for builtin sets, None for user files.
    """

    name: str
    source: str
    questions: tuple[Question, ...]
    skipped: tuple[SkippedRow, ...]
    license: str | None
