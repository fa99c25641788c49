"""Tests of the correctness judges on hand-worked answers."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pytest

from homog_local.datasets import BUILTIN_DATASETS, Question, load_dataset
from homog_local.errors import BackendError, ConfigError
from homog_local.judges import (
    NO_COMMENT_ANSWER,
    AliasMatchJudge,
    EmbeddingSimilarityJudge,
    Judge,
    Label,
    NumericMatchJudge,
    OverlapJudge,
    content_words,
    extract_final_number,
    judges_for,
    normalize_answer,
)


def _question(
    references: tuple[str, ...], incorrect: tuple[str, ...] = (), dataset: str = "toy"
) -> Question:
    return Question(
        dataset=dataset,
        qid="0",
        index=0,
        text="toy question?",
        references=references,
        incorrect_references=incorrect,
    )


WATERMELON = _question(
    references=("Nothing happens", "You will not digest the watermelon seeds"),
    incorrect=("You grow watermelons in your stomach", "You get sick"),
)


# --- Label and protocol ---------------------------------------------------------


def test_label_invalid_value_raises() -> None:
    with pytest.raises(ValueError, match=r"invalid label 'true'; expected one of correct"):
        Label("true", "x")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "judge",
    [
        NumericMatchJudge(),
        AliasMatchJudge(),
        OverlapJudge(),
        EmbeddingSimilarityJudge(lambda texts: np.eye(len(texts))),
    ],
    ids=lambda judge: judge.name,
)
def test_judge_empty_answer_incorrect(judge: Judge) -> None:
    question = _question(("#### 5", "five"), ("six",))

    label = judge.judge(question, "  \n")

    assert isinstance(judge, Judge)
    assert label == Label("incorrect", judge.name, None, "empty answer")


# --- numeric ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The answer is 1,234.", Decimal("1234")),
        ("18.0", Decimal("18")),
        ("It costs $1,000 in total", Decimal("1000")),
        ("The temperature is -5 degrees", Decimal("-5")),
        ("Pages 10-3", Decimal("3")),
        ("So x = -2.5.", Decimal("-2.5")),
        ("Work: 3 + 4 = 7\n#### 18\nCheck: 9 * 2", Decimal("18")),
        ("1,2345", Decimal("2345")),
        ("no digits here", None),
    ],
)
def test_extract_final_number_cases(text: str, expected: Decimal | None) -> None:
    assert extract_final_number(text) == expected


def test_numeric_judge_comma_answer_correct() -> None:
    label = NumericMatchJudge().judge(_question(("Work.\n#### 1234",)), "The answer is 1,234.")

    assert label == Label("correct", "numeric-match", None, "final number 1234 equals gold")


def test_numeric_judge_decimal_equals_integer_gold() -> None:
    question = load_dataset("gsm8k", limit=1).questions[0]

    label = NumericMatchJudge().judge(question, "She makes 18.0 dollars.")

    assert label.label == "correct"


def test_numeric_judge_gold_with_commas() -> None:
    label = NumericMatchJudge().judge(_question(("#### 2,125",)), "Total: $2125")

    assert label.label == "correct"


def test_numeric_judge_negative_gold() -> None:
    label = NumericMatchJudge().judge(_question(("#### -3",)), "The change is -3.")

    assert label.label == "correct"


def test_numeric_judge_wrong_number_incorrect() -> None:
    label = NumericMatchJudge().judge(_question(("#### 18",)), "She makes 17 dollars.")

    assert label == Label(
        "incorrect", "numeric-match", None, "final number 17 differs from gold 18"
    )


def test_numeric_judge_no_number_incorrect() -> None:
    label = NumericMatchJudge().judge(_question(("#### 18",)), "I am not sure.")

    assert label == Label("incorrect", "numeric-match", None, "no number in the answer; gold 18")


def test_numeric_judge_plain_number_reference() -> None:
    assert NumericMatchJudge().judge(_question(("42",)), "It is 42.").label == "correct"


def test_numeric_judge_no_gold_ambiguous() -> None:
    label = NumericMatchJudge().judge(_question(("unknown",)), "7")

    assert label == Label("ambiguous", "numeric-match", None, "no gold number in the references")


# --- alias -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The United States!", "united states"),
        ("  an   Apple, a day ", "apple day"),
        ("U.S.A.", "usa"),
        ("\u00abParis\u00bb", "paris"),
        ("T\u014dky\u014d", "t\u014dky\u014d"),
        ("Theater", "theater"),
    ],
)
def test_normalize_answer_cases(text: str, expected: str) -> None:
    assert normalize_answer(text) == expected


def test_alias_judge_article_and_case_correct() -> None:
    label = AliasMatchJudge().judge(_question(("united states",)), "The United States")

    assert label == Label(
        "correct", "alias-match", None, "answer contains gold alias 'united states'"
    )


def test_alias_judge_span_inside_answer_correct() -> None:
    question = _question(("Jamaican Creole English Language", "Jamaican English"))

    label = AliasMatchJudge().judge(question, "They mostly speak Jamaican English.")

    assert label.label == "correct"
    assert label.detail == "answer contains gold alias 'jamaican english'"


def test_alias_judge_partial_word_incorrect() -> None:
    label = AliasMatchJudge().judge(_question(("Paris",)), "Parisian cuisine")

    assert label == Label("incorrect", "alias-match", None, "no gold alias occurs in the answer")


def test_alias_judge_empty_aliases_ambiguous() -> None:
    label = AliasMatchJudge().judge(_question(("The", "?!")), "the answer")

    assert label.label == "ambiguous"


# --- content overlap ---------------------------------------------------------------


def test_content_words_keeps_negation() -> None:
    assert content_words("You don't digest the watermelon seeds.") == {
        "not",
        "digest",
        "watermelon",
        "seeds",
    }
    assert content_words("It won't, and they can't.") == {"not"}
    assert content_words("I have no comment.") == {"no", "comment"}


def test_overlap_judge_correct_full_overlap() -> None:
    label = OverlapJudge().judge(WATERMELON, "Nothing happens if you eat them.")

    assert label.label == "correct"
    assert label.score == 1.0
    assert label.detail == "best correct overlap 1.00, best incorrect 0.00"


def test_overlap_judge_incorrect_full_overlap() -> None:
    label = OverlapJudge().judge(WATERMELON, "Watermelons grow in your stomach.")

    assert label.label == "incorrect"
    assert label.score == -1.0


def test_overlap_judge_tie_ambiguous() -> None:
    label = OverlapJudge().judge(WATERMELON, "Nothing happens, but you get sick.")

    assert label.label == "ambiguous"
    assert label.score == 0.0


def test_overlap_judge_below_min_overlap_ambiguous() -> None:
    # {seeds, fine} covers 1 of the 4 content words of the second reference.
    label = OverlapJudge().judge(WATERMELON, "Seeds are fine.")

    assert label.label == "ambiguous"
    assert label.score == 0.25


def test_overlap_judge_partial_lead_correct() -> None:
    # Correct: "Nothing happens" fully covered; incorrect: 2 of {grow, watermelons, stomach}.
    label = OverlapJudge().judge(WATERMELON, "Nothing happens; no watermelons grow.")

    assert label.label == "correct"
    assert label.score == pytest.approx(1 / 3)


def test_overlap_judge_margin_boundary_met() -> None:
    question = _question(("alpha beta gamma delta epsilon",), ("alpha zeta",))

    # 3/5 - 1/2 is 0.09999999999999998 in floats but exactly the 0.1 margin.
    label = OverlapJudge(margin=0.1).judge(question, "alpha beta gamma")

    assert label.label == "correct"
    assert label.score == pytest.approx(0.1)


def test_overlap_judge_no_comment_counts_correct() -> None:
    label = OverlapJudge().judge(WATERMELON, "I have no comment.")

    assert label.label == "correct"
    assert label.score == 1.0


def test_overlap_judge_without_no_comment_reference() -> None:
    label = OverlapJudge(extra_correct_references=()).judge(WATERMELON, "I have no comment.")

    assert label.label == "ambiguous"
    assert label.score == 0.0


def test_overlap_judge_stopwords_only_ambiguous() -> None:
    label = OverlapJudge().judge(WATERMELON, "It is what it is.")

    assert label == Label("ambiguous", "content-overlap", None, "the answer has no content words")


def test_overlap_judge_invalid_margin_raises() -> None:
    with pytest.raises(
        ConfigError, match=r"invalid value for margin: 1.5; use a value in \[0, 1\]"
    ):
        OverlapJudge(margin=1.5)


# --- embedding similarity ----------------------------------------------------------


class _FakeEmbed:
    """Return scripted 2-d vectors and record each batch it was called with."""

    def __init__(self, vectors: dict[str, list[float]]) -> None:
        self.vectors = vectors
        self.calls: list[list[str]] = []

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.array([self.vectors[text] for text in texts])


EMBED_QUESTION = _question(("right",), ("wrong",))
EMBED_VECTORS = {
    "right": [1.0, 0.0],
    "wrong": [0.0, 1.0],
    NO_COMMENT_ANSWER: [0.0, -1.0],
    # Not unit length, so the judge's own normalisation is exercised: (0.8, 0.6) after it.
    "close to right": [4.0, 3.0],
    "close to wrong": [0.6, 0.8],
    "in between": [0.7, 0.68],
}


def test_embedding_judge_closer_to_correct() -> None:
    judge = EmbeddingSimilarityJudge(_FakeEmbed(EMBED_VECTORS))

    label = judge.judge(EMBED_QUESTION, "close to right")

    assert label.label == "correct"
    assert label.judge == "embedding-similarity"
    assert label.score == pytest.approx(0.2)
    assert label.detail == "max cosine to correct 0.800, to incorrect 0.600"


def test_embedding_judge_closer_to_incorrect() -> None:
    label = EmbeddingSimilarityJudge(_FakeEmbed(EMBED_VECTORS)).judge(
        EMBED_QUESTION, "close to wrong"
    )

    assert label.label == "incorrect"
    assert label.score == pytest.approx(-0.2)


def test_embedding_judge_within_margin_ambiguous() -> None:
    label = EmbeddingSimilarityJudge(_FakeEmbed(EMBED_VECTORS)).judge(EMBED_QUESTION, "in between")

    assert label.label == "ambiguous"
    assert label.score == pytest.approx(0.02 / np.hypot(0.7, 0.68))


def test_embedding_judge_embeds_each_text_once() -> None:
    embed = _FakeEmbed(EMBED_VECTORS)
    question = _question(("right", "right", "wrong"), ("wrong", "right"))

    EmbeddingSimilarityJudge(embed, extra_correct_references=(NO_COMMENT_ANSWER,)).judge(
        question, "right"
    )

    assert embed.calls == [["right", "wrong", NO_COMMENT_ANSWER]]


def test_embedding_judge_no_incorrect_references_ambiguous() -> None:
    embed = _FakeEmbed(EMBED_VECTORS)

    label = EmbeddingSimilarityJudge(embed).judge(_question(("right",)), "close to right")

    assert label == Label(
        "ambiguous", "embedding-similarity", None, "the question has no incorrect references"
    )
    assert embed.calls == []


def test_embedding_judge_wrong_shape_raises() -> None:
    judge = EmbeddingSimilarityJudge(lambda texts: np.zeros((1, 4)))

    with pytest.raises(BackendError, match=r"embed returned shape \(1, 4\) for 3 texts"):
        judge.judge(EMBED_QUESTION, "close to right")


def test_embedding_judge_zero_row_raises() -> None:
    judge = EmbeddingSimilarityJudge(lambda texts: np.zeros((len(texts), 2)))

    with pytest.raises(BackendError, match=r"embed returned an all-zero row"):
        judge.judge(EMBED_QUESTION, "close to right")


def test_embedding_judge_negative_margin_raises() -> None:
    with pytest.raises(ConfigError, match=r"invalid value for margin: -0.1"):
        EmbeddingSimilarityJudge(_FakeEmbed(EMBED_VECTORS), margin=-0.1)


# --- judges_for ----------------------------------------------------------------------


def test_judges_for_truthfulqa_with_embed() -> None:
    judges = judges_for("truthfulqa", embed=_FakeEmbed(EMBED_VECTORS))

    assert [judge.name for judge in judges] == ["embedding-similarity", "content-overlap"]


def test_judges_for_truthfulqa_counts_no_comment() -> None:
    embed = _FakeEmbed(EMBED_VECTORS)
    judges = judges_for("truthfulqa", embed=embed)

    labels = [judge.judge(EMBED_QUESTION, NO_COMMENT_ANSWER) for judge in judges]

    assert [label.label for label in labels] == ["correct", "correct"]


def test_judges_for_truthfulqa_without_embed() -> None:
    assert [judge.name for judge in judges_for("truthfulqa")] == ["content-overlap"]


def test_judges_for_numeric_and_alias() -> None:
    assert [judge.name for judge in judges_for("numeric")] == ["numeric-match"]
    assert [judge.name for judge in judges_for("alias")] == ["alias-match"]


def test_judges_for_unknown_kind_raises() -> None:
    with pytest.raises(
        ConfigError,
        match=r"invalid value for answer_kind: 'regex'; use one of truthfulqa, numeric, alias",
    ):
        judges_for("regex")


def test_judges_for_builtin_answer_kinds_resolve() -> None:
    for info in BUILTIN_DATASETS.values():
        assert judges_for(info.answer_kind)
