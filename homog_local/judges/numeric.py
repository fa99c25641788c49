"""Numeric final-answer judge for GSM8K-style math problems."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from homog_local.datasets.records import Question
from homog_local.judges.base import Label, empty_answer_label

__all__ = ["NumericMatchJudge", "extract_final_number"]

# A number with an optional minus sign, optional "$", comma thousands groups and
# decimals. The minus sign counts only when no word character or closing bracket
# precedes it, so the "-" in "10-3" is read as a range or subtraction, not as -3.
_NUMBER_PATTERN = re.compile(
    r"(?P<sign>(?<![\w)\]])-)?\$?(?P<digits>\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?P<fraction>\.\d+)?"
)
_GOLD_MARKER = "####"


def extract_final_number(text: str) -> Decimal | None:
    r"""Extract the final numeric answer from a solution or a model answer.

    Parameters
    ----------
    text : str
        Free text. When it contains ``####`` (the GSM8K gold marker, which
        models prompted with GSM8K exemplars also write), the first number
        after the last marker is taken; otherwise the last number in the text.

    Returns
    -------
    decimal.Decimal or None
        The number with ``$`` and thousands commas removed, or None when the
        text has no number.

    Examples
    --------
    >>> extract_final_number("She pays $1,000 in total.")
    Decimal('1000')
    >>> extract_final_number("16 - 3 - 4 = 9 eggs\n#### 18")
    Decimal('18')
    """
    if _GOLD_MARKER in text:
        tail = text.rsplit(_GOLD_MARKER, 1)[1]
        first = _NUMBER_PATTERN.search(tail)
        if first is not None:
            return _to_decimal(first)
    matches = list(_NUMBER_PATTERN.finditer(text))
    if not matches:
        return None
    return _to_decimal(matches[-1])


def _to_decimal(match: re.Match[str]) -> Decimal | None:
    literal = (match["sign"] or "") + match["digits"].replace(",", "") + (match["fraction"] or "")
    try:
        return Decimal(literal)
    except InvalidOperation:
        return None


def _format_number(value: Decimal) -> str:
    return format(value.normalize(), "f")


class NumericMatchJudge:
    """Compare the final number of an answer with the gold number of the references.

    Parameters
    ----------
    name : str, default "numeric-match"
        Name stored with each label.

    Notes
    -----
    The gold number of a reference is the number after its last ``####`` (a
    GSM8K solution), or else its last number, so a reference that is just
    ``"18"`` also works. Numbers compare by value, so ``18.0`` equals ``18``.
    The answer is correct when its final number equals the gold number of any
    reference and incorrect when it differs or the answer has no number. The
    label is "ambiguous" only when no reference contains a number. `score`
    is always None.

    A model that states the result and then keeps writing numbers (a check
    step, a unit conversion) is judged on the last number it wrote.
    """

    def __init__(self, name: str = "numeric-match") -> None:
        self.name = name

    def judge(self, question: Question, answer: str) -> Label:
        """Label `answer` by its final number against the gold numbers of `question`.

        Parameters
        ----------
        question : Question
            Supplies the references.
        answer : str
            The model's answer text.

        Returns
        -------
        Label
        """
        if not answer.strip():
            return empty_answer_label(self.name)
        golds = [
            gold
            for gold in (extract_final_number(ref) for ref in question.references)
            if gold is not None
        ]
        if not golds:
            return Label("ambiguous", self.name, detail="no gold number in the references")
        gold_text = ", ".join(_format_number(gold) for gold in golds)
        predicted = extract_final_number(answer)
        if predicted is None:
            return Label(
                "incorrect", self.name, detail=f"no number in the answer; gold {gold_text}"
            )
        predicted_text = _format_number(predicted)
        if any(predicted == gold for gold in golds):
            return Label("correct", self.name, detail=f"final number {predicted_text} equals gold")
        return Label(
            "incorrect",
            self.name,
            detail=f"final number {predicted_text} differs from gold {gold_text}",
        )
