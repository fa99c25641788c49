"""Default loaders of the models a scorer uses: ONNX NLI models and LLM judges."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homog_local.nli.onnx_model import DEFAULT_NLI_MAX_LENGTH, load_nli_model
from homog_local.nli.pairwise import NliPredictor

__all__ = ["JudgeFactory", "LoadedNli", "NliFactory", "default_judge_factory",
           "default_nli_factory"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedNli:
    """An NLI model with the facts that key its cache and its records.

    Parameters
    ----------
    model : NliPredictor
        The model.
    sha256 : str
        sha256 of the model file.
    max_length : int
        Token limit per pair.
    label_order : tuple of int
        Model output index of contradiction, neutral and entailment.
    """

    model: NliPredictor
    sha256: str
    max_length: int
    label_order: tuple[int, int, int]


NliFactory = Callable[[str], LoadedNli]
JudgeFactory = Callable[[str], Any]


def default_nli_factory(name: str, max_length: int = DEFAULT_NLI_MAX_LENGTH) -> LoadedNli:
    """Load an ONNX NLI model by name or path with :func:`homog_local.nli.load_nli_model`."""
    model, sha256 = load_nli_model(name, max_length=max_length)
    log.info("loaded NLI model %s (max %d tokens per pair)", model.model_id, model.max_length)
    return LoadedNli(model, sha256, model.max_length, model.label_map.order)


def default_judge_factory(name: str) -> Any:
    """Load an instruct GGUF model as an LLM judge (a LlamaBackend with its chat template)."""
    from homog_local.generation.llama_backend import LlamaBackend
    from homog_local.models import ModelKind, ModelRole, resolve_model

    entry = resolve_model(name, ModelRole.GENERATOR)
    assert entry.path is not None  # resolve_model returns present entries only
    use_template = entry.kind is ModelKind.INSTRUCT if entry.kind is not None else None
    return LlamaBackend(entry.path, use_chat_template=use_template, n_ctx=1024)
