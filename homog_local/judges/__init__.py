"""Correctness judges: label a model's greedy answer as correct, incorrect or ambiguous.

Every judge follows the `Judge` protocol and returns a frozen `Label`. An empty
answer is always "incorrect" with the detail "empty answer". `judges_for`
picks the judges for a dataset's answer kind.
"""

from __future__ import annotations

from homog_local.judges.alias import AliasMatchJudge, normalize_answer
from homog_local.judges.base import (
    EMPTY_ANSWER_DETAIL,
    LABEL_VALUES,
    NO_COMMENT_ANSWER,
    Judge,
    Label,
    LabelValue,
)
from homog_local.judges.embedding import EmbeddingSimilarityJudge, EmbedFunction
from homog_local.judges.numeric import NumericMatchJudge, extract_final_number
from homog_local.judges.overlap import STOPWORDS, OverlapJudge, content_words
from homog_local.judges.selection import judges_for

__all__ = [
    "EMPTY_ANSWER_DETAIL",
    "LABEL_VALUES",
    "NO_COMMENT_ANSWER",
    "STOPWORDS",
    "AliasMatchJudge",
    "EmbedFunction",
    "EmbeddingSimilarityJudge",
    "Judge",
    "Label",
    "LabelValue",
    "NumericMatchJudge",
    "OverlapJudge",
    "content_words",
    "extract_final_number",
    "judges_for",
    "normalize_answer",
]
