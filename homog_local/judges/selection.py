"""`judges_for`: the judges that label answers of each answer kind."""

from __future__ import annotations

from homog_local.datasets.records import ANSWER_KINDS
from homog_local.errors import ConfigError
from homog_local.judges.alias import AliasMatchJudge
from homog_local.judges.base import NO_COMMENT_ANSWER, Judge
from homog_local.judges.embedding import EmbeddingSimilarityJudge, EmbedFunction
from homog_local.judges.numeric import NumericMatchJudge
from homog_local.judges.overlap import OverlapJudge

__all__ = ["judges_for"]


def judges_for(answer_kind: str, embed: EmbedFunction | None = None) -> list[Judge]:
    """Build the judges for one answer kind, primary judge first.

    Parameters
    ----------
    answer_kind : {"truthfulqa", "numeric", "alias"}
        `DatasetInfo.answer_kind` of the dataset.
    embed : callable or None, default None
        Sentence embedder, (n texts) -> (n, d) array. Used only for "truthfulqa".

    Returns
    -------
    list of Judge
        "truthfulqa": `EmbeddingSimilarityJudge` when `embed` is given, then
        `OverlapJudge`; both count "I have no comment." as correct.
        "numeric": `NumericMatchJudge`. "alias": `AliasMatchJudge`.

    Raises
    ------
    ConfigError
        If `answer_kind` is not one of the three kinds.
    """
    if answer_kind == "truthfulqa":
        judges: list[Judge] = []
        if embed is not None:
            judges.append(
                EmbeddingSimilarityJudge(embed, extra_correct_references=(NO_COMMENT_ANSWER,))
            )
        judges.append(OverlapJudge(extra_correct_references=(NO_COMMENT_ANSWER,)))
        return judges
    if answer_kind == "numeric":
        return [NumericMatchJudge()]
    if answer_kind == "alias":
        return [AliasMatchJudge()]
    raise ConfigError("answer_kind", answer_kind, f"use one of {', '.join(ANSWER_KINDS)}")
