"""Deterministic stand-ins for the llama.cpp backend, the embedder and the clocks."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Sequence

import numpy as np

from homog_local.errors import BackendError
from homog_local.generation import Generation, RenderedPrompt, StopReason
from homog_local.settings import SamplerParams

# Sample texts per question, picked by the question's position in the cycle:
# one, two and three distinct answers give single- and multi-cluster questions.
ANSWER_SETS: tuple[tuple[str, ...], ...] = (
    ("Nothing happens to you.",),
    ("Nothing happens to you.", "The seeds pass through your digestive system."),
    ("Nothing happens.", "You grow watermelons in your stomach.", "You get sick and die."),
)


class FakeBackend:
    """Generator with canned answers chosen from the question text.

    Parameters
    ----------
    delay_s : float
        Wall time spent per sample, so cancel tests can stop a run midway.
    started : threading.Event, optional
        Set when the first sample starts.
    fail_with : Exception, optional
        Raised by the first greedy call.
    shift : int
        Rotates which answer set a question gets, so two runs differ.
    """

    def __init__(
        self,
        delay_s: float = 0.0,
        started: threading.Event | None = None,
        fail_with: Exception | None = None,
        shift: int = 0,
    ) -> None:
        self.shift = shift
        self.delay_s = delay_s
        self.started = started
        self.fail_with = fail_with
        self.closed = False

    def render(self, question: str) -> RenderedPrompt:
        return RenderedPrompt(f"Q: {question}\nA:", False, ("\nQ:",))

    def n_prompt_tokens(self, prompt: RenderedPrompt) -> int:
        return len(prompt.text.split())

    def greedy(self, prompt: RenderedPrompt, max_tokens: int) -> Generation:
        if self.fail_with is not None:
            raise self.fail_with
        text = self._answers(prompt)[0]
        n_words = len(text.split())
        entropies = tuple(0.2 + 1.1 * ((i * 7 + len(prompt.text)) % 5) for i in range(n_words + 2))
        return Generation(text, n_words + 2, StopReason.EOS, entropies, -1.5)

    def sample(
        self,
        prompt: RenderedPrompt,
        params: SamplerParams,
        seeds: Sequence[int],
        max_tokens: int,
        cancel: threading.Event | None = None,
    ) -> list[Generation]:
        answers = self._answers(prompt)
        out = []
        for index, seed in enumerate(seeds):
            if self.started is not None:
                self.started.set()
            if cancel is not None and cancel.wait(self.delay_s):
                from homog_local.errors import RunCancelled

                raise RunCancelled()
            text = answers[index % len(answers)]
            out.append(Generation(text, len(text.split()), StopReason.EOS, (0.5,), -1.0, seed))
        return out

    def close(self) -> None:
        self.closed = True

    def _answers(self, prompt: RenderedPrompt) -> tuple[str, ...]:
        index = zlib.crc32(prompt.text.encode()) + self.shift
        return ANSWER_SETS[index % len(ANSWER_SETS)]


class FakeEmbedder:
    """Embeds a text as its normalised bag of hashed words, so shared words mean similarity."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), 256), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().replace(".", " ").split():
                vectors[row, zlib.crc32(word.encode()) % 256] += 1.0
            norm = float(np.linalg.norm(vectors[row]))
            vectors[row] = vectors[row] / norm if norm > 0 else vectors[row]
            if norm == 0:
                vectors[row, 0] = 1.0
        return vectors


class StepClock:
    """Monotonic clock that advances by a fixed step on every call."""

    def __init__(self, step_s: float = 0.5) -> None:
        self.now = 0.0
        self.step_s = step_s
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            self.now += self.step_s
            return self.now


def failing_backend_error() -> BackendError:
    return BackendError("llama.cpp", "decode failed (out of memory); lower --max-tokens")
