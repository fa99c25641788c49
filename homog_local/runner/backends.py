"""Interfaces of the generation backend and the embedder, and their llama.cpp/ONNX defaults."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from homog_local.generation import AnswerRequest, Answers, Generation, RenderedPrompt
from homog_local.models import ModelEntry, ModelKind
from homog_local.scoring.question import Embedder
from homog_local.settings import RunSettings, SamplerParams

__all__ = [
    "BackendFactory",
    "Embedder",
    "EmbedderFactory",
    "GeneratorBackend",
    "default_backend",
    "default_embedder",
    "decoding_slots",
    "generate_answers",
    "question_group_size",
]


class GeneratorBackend(Protocol):
    """Interface of a generation backend, as the run loop uses it."""

    def render(self, question: str) -> RenderedPrompt:
        """Render the prompt of a question."""

    def n_prompt_tokens(self, prompt: RenderedPrompt) -> int:
        """Count prompt tokens."""

    def greedy(self, prompt: RenderedPrompt, max_tokens: int) -> Generation:
        """Generate the greedy answer."""

    def sample(
        self,
        prompt: RenderedPrompt,
        params: SamplerParams,
        seeds: Sequence[int],
        max_tokens: int,
        cancel: threading.Event | None = None,
    ) -> list[Generation]:
        """Generate one sampled answer per seed."""

    def close(self) -> None:
        """Free the model."""


def generate_answers(
    backend: GeneratorBackend,
    requests: Sequence[AnswerRequest],
    cancel: threading.Event | None = None,
) -> list[Answers]:
    """Decode the answers of several prompts, batched when the backend can.

    A backend with a ``generate`` method (the llama.cpp one) decodes the
    requests together; any other is called prompt by prompt through
    ``greedy`` and ``sample``.
    """
    generate = getattr(backend, "generate", None)
    if generate is not None:
        return list(generate(requests, cancel))
    answers = []
    for request in requests:
        greedy = backend.greedy(request.prompt, request.max_tokens) if request.greedy else None
        samples: list[Generation] = []
        if request.seeds:
            assert request.params is not None
            samples = backend.sample(request.prompt, request.params, request.seeds,
                                     request.max_tokens, cancel)
        answers.append(Answers(greedy, tuple(samples)))
    return answers


BackendFactory = Callable[[ModelEntry, RunSettings], GeneratorBackend]
EmbedderFactory = Callable[[str], Embedder]


def default_backend(entry: ModelEntry, settings: RunSettings) -> GeneratorBackend:
    """Load the llama.cpp backend for a resolved generator entry and run settings."""
    from homog_local.generation.llama_backend import LlamaBackend

    assert entry.path is not None  # resolve_model returns present entries only
    use_template = entry.kind is ModelKind.INSTRUCT if entry.kind is not None else None
    return LlamaBackend(
        entry.path,
        use_chat_template=use_template,
        n_ctx=settings.n_ctx,
        gpu_layers=settings.gpu_layers,
        n_threads=settings.n_threads,
        n_parallel=decoding_slots(settings),
        flash_attn=settings.flash_attn,
        kv_type=settings.kv_type,
    )


def decoding_slots(settings: RunSettings) -> int:
    """Return the decoding slots a run needs: 1 for sequential decoding.

    Batched decoding never needs more slots than a group has answers.
    """
    if settings.decode == "sequential":
        return 1
    return max(1, min(settings.parallel, settings.group_size * (settings.n_samples + 1)))


def question_group_size(settings: RunSettings) -> int:
    """Return how many consecutive questions are decoded and stored together."""
    return 1 if settings.decode == "sequential" else settings.group_size


def default_embedder(name: str) -> Embedder:
    """Load the ONNX embedder of a model name."""
    from homog_local.embed import load_embedder

    return load_embedder(name)


