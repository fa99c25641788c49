"""LLM entailment: ask a local instruct model whether two answers mean the same.

A fallback clusterer for users without an NLI model. It is slow (one
generation per pair) and a small model is a weak judge, so the prompt and
the model are recorded with every cluster result that uses it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from homog_local.cluster.equivalence import EquivalenceTest
from homog_local.generation import Generation, RenderedPrompt

__all__ = ["LLM_JUDGE_PROMPT", "LlmEquivalenceJudge", "parse_yes_no"]

log = logging.getLogger(__name__)

LLM_JUDGE_PROMPT = (
    "Question: {question}\n"
    "Answer A: {first}\n"
    "Answer B: {second}\n"
    "Do answers A and B mean the same thing? Reply with yes or no."
)
# "yes" or "no" plus punctuation fits in a few tokens.
_MAX_TOKENS = 4


class JudgeBackend(Protocol):
    """Interface of the generator that answers the judge prompt; LlamaBackend implements it."""

    def render(self, question: str) -> RenderedPrompt:
        """Render a prompt."""

    def greedy(self, prompt: RenderedPrompt, max_tokens: int) -> Generation:
        """Generate the greedy answer."""


def parse_yes_no(text: str) -> bool:
    """Return True when a reply starts with "yes" (case and punctuation ignored).

    Examples
    --------
    >>> parse_yes_no(" Yes, they do.")
    True
    >>> parse_yes_no("No.")
    False
    """
    words = text.strip().lower().lstrip("\"'*([").split()
    return bool(words) and words[0].strip(".,!:;\"'*") == "yes"


class LlmEquivalenceJudge:
    """Pairwise equivalence of one question's answers, judged by a generator.

    Parameters
    ----------
    backend : JudgeBackend
        A loaded instruct model.
    question : str
        The question the answers respond to.
    prompt_template : str, default LLM_JUDGE_PROMPT
        Format string with ``{question}``, ``{first}`` and ``{second}``; it is
        rendered through the backend's own question prompt.

    Notes
    -----
    Each unordered pair is asked once, with the earlier answer as A, and the
    verdict is taken as symmetric. :attr:`n_model_calls` counts the pairs asked.
    """

    def __init__(
        self, backend: JudgeBackend, question: str, prompt_template: str = LLM_JUDGE_PROMPT
    ) -> None:
        self.backend = backend
        self.question = question
        self.prompt_template = prompt_template
        self.n_model_calls = 0
        self._verdicts: dict[tuple[str, str], bool] = {}

    def same(self, first: str, second: str) -> bool:
        """Return the model's verdict on whether two answers mean the same."""
        if first == second:
            return True
        key = (first, second) if first <= second else (second, first)
        if key not in self._verdicts:
            text = self.prompt_template.format(
                question=self.question.strip(), first=first.strip(), second=second.strip()
            )
            reply = self.backend.greedy(self.backend.render(text), _MAX_TOKENS).text
            self.n_model_calls += 1
            self._verdicts[key] = parse_yes_no(reply)
            log.debug("LLM judge replied %r", reply)
        return self._verdicts[key]

    def equivalence_test(self, texts: Sequence[str]) -> EquivalenceTest:
        """Return a batched test over indices of ``texts`` for :func:`cluster_by_equivalence`."""

        def test(pairs: Sequence[tuple[int, int]]) -> list[bool]:
            return [self.same(texts[i], texts[j]) for i, j in pairs]

        return test
