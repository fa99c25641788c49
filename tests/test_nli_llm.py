"""The LLM entailment fallback: reply parsing, pair counting, and a real SmolLM2 judge."""

from __future__ import annotations

import pytest

from homog_local.cluster.equivalence import cluster_by_equivalence
from homog_local.cluster.spec import ClusterAssign, ClusterSpec
from homog_local.generation import Generation, StopReason, render_prompt
from homog_local.nli import LLM_JUDGE_PROMPT, LlmEquivalenceJudge, parse_yes_no
from homog_local.scoring import QuestionScorer


class ScriptedJudge:
    """Replies yes when both answers name the same first word."""

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def render(self, question):
        return render_prompt(question, None)

    def greedy(self, prompt, max_tokens):
        self.prompts.append(prompt.text)
        first = prompt.text.split("Answer A: ")[1].split()[0]
        second = prompt.text.split("Answer B: ")[1].split()[0]
        reply = "Yes." if first == second else "No."
        return Generation(reply, 1, StopReason.EOS, (0.1,), -0.1)


@pytest.mark.parametrize(("reply", "expected"), [
    ("Yes", True), (" yes, they match", True), ("**Yes**", True), ("No.", False),
    ("", False), ("Yesterday", False),
])
def test_parse_yes_no(reply, expected) -> None:
    assert parse_yes_no(reply) is expected


def test_judge_counts_pairs_and_records_prompt() -> None:
    backend = ScriptedJudge()
    texts = ["Paris is it", "Paris indeed", "Lyon maybe"]
    judge = LlmEquivalenceJudge(backend, "Capital of France?")
    labels = cluster_by_equivalence(3, judge.equivalence_test(texts), ClusterAssign.COMPONENTS)
    assert labels == (0, 0, 1)
    assert judge.n_model_calls == 3
    assert judge.same("Paris indeed", "Paris is it")
    assert judge.n_model_calls == 3
    assert backend.prompts[0].endswith(
        "Q: Question: Capital of France?\nAnswer A: Paris is it\nAnswer B: Paris indeed\n"
        "Do answers A and B mean the same thing? Reply with yes or no.\nA:")


def test_scorer_llm_spec_with_fake_backend() -> None:
    scorer = QuestionScorer(judge_factory=lambda name: ScriptedJudge())
    spec = ClusterSpec.parse("llm", "m")
    scores = scorer.score(["Paris a", "Paris b", "Paris a"], [spec], question="q")
    assert scores.clusters[0].assignments == (0, 0, 0)
    assert scores.stats[0].n_model_calls == 1
    assert scorer.method_options(spec)[1]["prompt"] == LLM_JUDGE_PROMPT


def test_real_smollm2_judge_answers() -> None:
    from homog_local.scoring.loaders import default_judge_factory

    backend = default_judge_factory("smollm2-135m-instruct")
    try:
        judge = LlmEquivalenceJudge(backend, "What is the capital of France?")
        verdict = judge.same("Paris.", "The capital is Paris.")
    finally:
        backend.close()
    assert isinstance(verdict, bool)
    assert judge.n_model_calls == 1
