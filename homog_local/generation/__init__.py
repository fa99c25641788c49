"""Answer generation: prompts, seeds, sampling and the llama.cpp backend."""

from __future__ import annotations

from homog_local.generation.prompt import PROMPT_TEMPLATE, RenderedPrompt, render_prompt
from homog_local.generation.records import AnswerRequest, Answers, Generation, StopReason
from homog_local.generation.seeds import sample_seed

__all__ = [
    "PROMPT_TEMPLATE",
    "AnswerRequest",
    "Answers",
    "Generation",
    "RenderedPrompt",
    "StopReason",
    "render_prompt",
    "sample_seed",
]
