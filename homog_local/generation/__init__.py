"""Answer generation: prompts, seeds, sampling and the llama.cpp backend."""

from __future__ import annotations

from homog_local.generation.prompt import PROMPT_TEMPLATE, RenderedPrompt, render_prompt
from homog_local.generation.records import Generation, StopReason
from homog_local.generation.seeds import sample_seed

__all__ = [
    "PROMPT_TEMPLATE",
    "Generation",
    "RenderedPrompt",
    "StopReason",
    "render_prompt",
    "sample_seed",
]
