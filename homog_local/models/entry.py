"""The record that describes one model: where its file is and what it contains."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

__all__ = ["ModelEntry", "ModelKind", "ModelRole"]


class ModelRole(Enum):
    """Role of a model in a run: text generation, sentence embedding or NLI."""

    GENERATOR = "generator"
    EMBEDDER = "embedder"
    NLI = "nli"


class ModelKind(Enum):
    """Whether a generator was instruction-tuned (and so expects a chat template)."""

    BASE = "base"
    INSTRUCT = "instruct"


@dataclass(frozen=True)
class ModelEntry:
    """One model known to homog-local, installed or not.

    Parameters
    ----------
    name : str
        Name used on the command line and in run configs.
    role : ModelRole
        What the model is used for.
    path : Path or None
        The model file. None when the model is not installed, or when it is a
        chunked package that :func:`~homog_local.models.resolve_model` has not
        assembled yet.
    source : str
        ``"package:<distribution>"``, ``"catalog"`` or ``"path"``.
    present : bool
        Whether every file needed to use the model is installed.
    size_bytes : int or None
        Size of the model file (the sum of the chunks for chunked packages).
    architecture : str or None
        ``general.architecture`` for GGUF files, such as ``"llama"``.
    n_params : int or None
        Sum of the element counts of every tensor stored in a GGUF file. Tied
        weights stored twice count twice.
    quantization : str or None
        Quantization name of a GGUF file, such as ``"Q4_K_M"``.
    has_chat_template : bool or None
        Whether the GGUF file ships a chat template, or the catalog's
        ``chat_template`` override. None for non-GGUF files.
    tokenizer_path : Path or None
        ``tokenizer.json`` used by ONNX models.
    pooling : str or None
        Pooling of an ONNX embedder: ``"mean"``, ``"cls"`` or ``"pooled"``.
    install_hint : str or None
        Command or step that installs a missing model.
    sha256 : str or None
        Hex sha256 of the model file: the published value for shipped models
        when one exists, or the measured one after ``resolve_model``.
    kind : ModelKind or None, default None
        Base or instruction-tuned generator. Explicit knowledge (the shipped
        table or the catalog's ``kind``) wins over the chat-template guess.
    notes : str, default ""
        Free text from the shipped table or the catalog.
    """

    name: str
    role: ModelRole
    path: Path | None
    source: str
    present: bool
    size_bytes: int | None
    architecture: str | None
    n_params: int | None
    quantization: str | None
    has_chat_template: bool | None
    tokenizer_path: Path | None
    pooling: str | None
    install_hint: str | None
    sha256: str | None
    kind: ModelKind | None = None
    notes: str = ""
