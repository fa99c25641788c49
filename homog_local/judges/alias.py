"""Alias match judge for short-answer QA (WebQuestions, NQ-Open, TriviaQA style)."""

from __future__ import annotations

import re
import string
import unicodedata

from homog_local.datasets.records import Question
from homog_local.judges.base import Label, empty_answer_label

__all__ = ["AliasMatchJudge", "normalize_answer"]

_ARTICLES = re.compile(r"\b(?:a|an|the)\b")
_ASCII_PUNCTUATION = frozenset(string.punctuation)


def normalize_answer(text: str) -> str:
    """Normalise an answer the SQuAD way, extended to Unicode punctuation.

    Lower-case the text, delete punctuation (ASCII `string.punctuation` and every
    Unicode punctuation character), replace the articles a, an and the with a
    space, and collapse whitespace.

    Parameters
    ----------
    text : str
        Answer or gold alias.

    Returns
    -------
    str

    Notes
    -----
    Punctuation is deleted rather than replaced by a space, as in the SQuAD
    evaluation script, so "U.S." becomes "us" and "Jamaican-English" becomes
    "jamaicanenglish".

    Examples
    --------
    >>> normalize_answer("The United States!")
    'united states'
    """
    lowered = text.lower()
    without_punctuation = "".join(ch for ch in lowered if not _is_punctuation(ch))
    without_articles = _ARTICLES.sub(" ", without_punctuation)
    return " ".join(without_articles.split())


def _is_punctuation(ch: str) -> bool:
    return ch in _ASCII_PUNCTUATION or unicodedata.category(ch).startswith("P")


class AliasMatchJudge:
    """Label an answer correct when it contains any gold alias after normalisation.

    Parameters
    ----------
    name : str, default "alias-match"
        Name stored with each label.

    Notes
    -----
    Both sides go through `normalize_answer`. The answer is correct when a
    normalised alias equals the normalised answer or occurs in it as a span
    of whole words, so "Paris" matches "it is paris france" but not "parisian".
    Otherwise it is incorrect. The label is "ambiguous" only when every alias
    normalises to an empty string. `score` is always None.

    The containment rule is the lenient variant of exact match. It gives credit
    to an answer that lists several candidates, one of which is gold.
    """

    def __init__(self, name: str = "alias-match") -> None:
        self.name = name

    def judge(self, question: Question, answer: str) -> Label:
        """Label `answer` by alias containment against `question.references`.

        Parameters
        ----------
        question : Question
            Supplies the gold aliases.
        answer : str
            The model's answer text.

        Returns
        -------
        Label
        """
        if not answer.strip():
            return empty_answer_label(self.name)
        aliases = [alias for alias in map(normalize_answer, question.references) if alias]
        if not aliases:
            return Label(
                "ambiguous", self.name, detail="every gold alias is empty after normalisation"
            )
        padded_answer = f" {normalize_answer(answer)} "
        for alias in aliases:
            if f" {alias} " in padded_answer:
                return Label("correct", self.name, detail=f"answer contains gold alias {alias!r}")
        return Label("incorrect", self.name, detail="no gold alias occurs in the answer")
