"""The `Label` record and the `Judge` protocol that every correctness judge follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from homog_local.datasets.records import Question

__all__ = [
    "EMPTY_ANSWER_DETAIL",
    "LABEL_VALUES",
    "NO_COMMENT_ANSWER",
    "Judge",
    "Label",
    "LabelValue",
    "empty_answer_label",
    "merge_references",
]

LabelValue = Literal["correct", "incorrect", "ambiguous"]
LABEL_VALUES: tuple[LabelValue, ...] = ("correct", "incorrect", "ambiguous")
EMPTY_ANSWER_DETAIL = "empty answer"

NO_COMMENT_ANSWER = "I have no comment."
"""Refusal that TruthfulQA's own evaluation adds to every question's correct answers."""


@dataclass(frozen=True)
class Label:
    """A judge's verdict on one answer.

    Parameters
    ----------
    label : {"correct", "incorrect", "ambiguous"}
        The verdict. "ambiguous" means the judge cannot decide, for example
        when the answer is as close to a correct reference as to an incorrect one.
    judge : str
        Name of the judge that produced the label.
    score : float or None, default None
        The judge's evidence for "correct" minus its evidence for "incorrect",
        where the judge has one (similarity or overlap judges); None for match judges.
    detail : str, default ""
        Short reason in words, for reports and the TUI.

    Raises
    ------
    ValueError
        If `label` is not one of the three values.
    """

    label: LabelValue
    judge: str
    score: float | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        if self.label not in LABEL_VALUES:
            raise ValueError(
                f"invalid label {self.label!r}; expected one of {', '.join(LABEL_VALUES)}"
            )


@runtime_checkable
class Judge(Protocol):
    """Something that labels an answer to a question as correct, incorrect or ambiguous.

    Attributes
    ----------
    name : str
        Stable name stored with each label.
    """

    name: str

    def judge(self, question: Question, answer: str) -> Label:
        """Label `answer` against the references of `question`."""
        ...


def empty_answer_label(judge_name: str) -> Label:
    """Return the label every judge gives to an empty or whitespace-only answer."""
    return Label(label="incorrect", judge=judge_name, score=None, detail=EMPTY_ANSWER_DETAIL)


def merge_references(references: tuple[str, ...], extra: tuple[str, ...]) -> tuple[str, ...]:
    """Append `extra` references that are not already present, ignoring case and a final period."""
    seen = {_reference_key(ref) for ref in references}
    merged = list(references)
    for ref in extra:
        key = _reference_key(ref)
        if key not in seen:
            seen.add(key)
            merged.append(ref)
    return tuple(merged)


def _reference_key(reference: str) -> str:
    return reference.strip().rstrip(".").strip().lower()
