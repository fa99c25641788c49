"""Fakes and small builders shared by tests."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from homog_local.generation import Generation, RenderedPrompt, StopReason, render_prompt
from homog_local.settings import SamplerParams


class FakeBackend:
    """A generator that answers from a script: question text -> (greedy, samples)."""

    def __init__(self, script: dict[str, tuple[str, list[str]]],
                 default: tuple[str, list[str]] = ("Paris.", ["Paris."])) -> None:
        self.script = script
        self.default = default
        self.closed = False
        self.sample_calls = 0

    def render(self, question: str) -> RenderedPrompt:
        return render_prompt(question, None)

    def n_prompt_tokens(self, prompt: RenderedPrompt) -> int:
        return len(prompt.text.split())

    def _entry(self, prompt: RenderedPrompt) -> tuple[str, list[str]]:
        for question, entry in self.script.items():
            if question in prompt.text:
                return entry
        return self.default

    def greedy(self, prompt: RenderedPrompt, max_tokens: int) -> Generation:
        text = self._entry(prompt)[0]
        n = len(text.split())
        return Generation(text, n, StopReason.EOS, tuple(0.5 + 0.1 * i for i in range(n)), -1.0)

    def sample(self, prompt: RenderedPrompt, params: SamplerParams, seeds: Sequence[int],
               max_tokens: int, cancel: threading.Event | None = None) -> list[Generation]:
        self.sample_calls += 1
        answers = self._entry(prompt)[1]
        return [
            Generation(answers[i % len(answers)], len(answers[i % len(answers)].split()),
                       StopReason.EOS, (0.3,), -2.0, seed)
            for i, seed in enumerate(seeds)
        ]

    def close(self) -> None:
        self.closed = True


class FakeEmbedder:
    """Embedder that maps a text to a one-hot vector of its lowercase first word.

    Texts with the same first word get the same vector.
    """

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            word = (text.split() or [""])[0].lower().strip(".,")
            rows[i, sum(map(ord, word)) % self.dim] = 1.0
        return rows


def write_jsonl(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path
