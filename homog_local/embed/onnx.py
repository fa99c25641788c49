"""Sentence embeddings from an ONNX encoder with onnxruntime and a tokenizers tokenizer."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from tokenizers import Tokenizer

from homog_local.embed.pooling import POOLING_METHODS, Pooling, cls_pool, l2_normalize, mean_pool
from homog_local.errors import ConfigError, ModelLoadError
from homog_local.models import DEFAULT_EMBEDDER, ModelRole, resolve_model
from homog_local.onnx_session import open_onnx_session, run_encodings

__all__ = ["OnnxEmbedder", "load_embedder"]

log = logging.getLogger(__name__)

_SUPPORTED_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_TOKEN_OUTPUT_NAMES = ("last_hidden_state", "token_embeddings")
_POOLED_OUTPUT_NAMES = ("sentence_embedding", "pooler_output", "embeddings")


class OnnxEmbedder:
    """Sentence embedder over an ONNX BERT-style encoder.

    Parameters
    ----------
    model_path : Path or str
        The ``.onnx`` file.
    tokenizer_path : Path or str
        The matching ``tokenizer.json`` (Hugging Face tokenizers format).
    pooling : {"mean", "cls", "pooled"}, default "mean"
        ``"mean"`` averages the token vectors over the attention mask, ``"cls"``
        takes the first token, ``"pooled"`` uses a 2-D output of the model as is.
    max_length : int, default 256
        Texts are truncated to this many tokens, special tokens included.
    batch_size : int, default 32
        Texts per onnxruntime call. Each batch is padded to its longest text.
    normalize : bool, default True
        Scale each embedding to unit L2 norm, so dot products are cosines.
    model_id : str or None, default None
        Name stored with the embeddings; None uses the model file's stem.

    Raises
    ------
    ModelLoadError
        The model or tokenizer cannot be loaded, the model needs inputs other
        than ``input_ids``, ``attention_mask`` and ``token_type_ids``, or it
        has no float output that fits ``pooling``.
    ConfigError
        ``pooling``, ``max_length`` or ``batch_size`` is invalid.

    Notes
    -----
    Texts longer than ``max_length`` tokens are silently cut, so two answers
    that differ only after that point get the same embedding. Identical texts
    within one :meth:`embed` call are encoded once.
    """

    def __init__(
        self,
        model_path: Path | str,
        tokenizer_path: Path | str,
        pooling: Pooling = "mean",
        max_length: int = 256,
        batch_size: int = 32,
        normalize: bool = True,
        model_id: str | None = None,
    ) -> None:
        if pooling not in POOLING_METHODS:
            raise ConfigError("pooling", pooling, f"use one of {', '.join(POOLING_METHODS)}")
        if max_length < 2:
            raise ConfigError("max_length", max_length, "use at least 2 tokens")
        if batch_size < 1:
            raise ConfigError("batch_size", batch_size, "use at least 1")
        self.model_path = Path(model_path)
        self.tokenizer_path = Path(tokenizer_path)
        self.pooling: Pooling = pooling
        self.max_length = max_length
        self.batch_size = batch_size
        self.normalize = normalize
        self.model_id = model_id or self.model_path.stem

        self._session = open_onnx_session(self.model_path)
        self._input_names = _check_inputs(self.model_path, self._session)
        self._output_name, self._output_is_pooled = _choose_output(
            self.model_path, self._session, pooling
        )
        self._tokenizer = _open_tokenizer(self.tokenizer_path, max_length)
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        """Embedding dimension (384 for the MiniLM models)."""
        if self._dim is None:
            self._dim = int(self._encode_batch([""]).shape[1])
        return self._dim

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed texts.

        Parameters
        ----------
        texts : sequence of str

        Returns
        -------
        ndarray of shape (len(texts), dim), float32
            Row ``i`` belongs to ``texts[i]``. Rows have unit norm when
            ``normalize`` is true. An empty sequence gives shape ``(0, dim)``.

        Raises
        ------
        BackendError
            onnxruntime failed while running the model.
        """
        if isinstance(texts, str):
            raise ConfigError("texts", texts, "pass a list of strings, not one string")
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)

        # Encode each distinct text once; sorting by length keeps padding short.
        unique = sorted(set(texts), key=len)
        vectors: dict[str, npt.NDArray[np.float32]] = {}
        for start in range(0, len(unique), self.batch_size):
            batch = unique[start : start + self.batch_size]
            for text, vector in zip(batch, self._encode_batch(batch), strict=True):
                vectors[text] = vector
        result = np.stack([vectors[text] for text in texts])
        if self._dim is None:
            self._dim = int(result.shape[1])
        log.debug("embedded %d texts (%d distinct) with %s", len(texts), len(unique), self.model_id)
        return result

    def _encode_batch(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        encodings = self._tokenizer.encode_batch(list(texts))
        output = run_encodings(
            self._session, self._input_names, self._output_name, encodings,
            model_id=self.model_id, batch_label=f"{len(texts)} texts",
        )  # fmt: skip
        attention_mask = np.array([item.attention_mask for item in encodings], dtype=np.int64)

        if self._output_is_pooled:
            pooled = np.asarray(output, dtype=np.float32)
        elif self.pooling == "cls":
            pooled = cls_pool(output)
        else:
            pooled = mean_pool(output, attention_mask)
        return l2_normalize(pooled) if self.normalize else pooled

    def __repr__(self) -> str:
        return (
            f"OnnxEmbedder(model_id={self.model_id!r}, pooling={self.pooling!r}, "
            f"max_length={self.max_length})"
        )


def load_embedder(name_or_path: str = DEFAULT_EMBEDDER, **options: Any) -> OnnxEmbedder:
    """Load a shipped, catalog or path embedder by name.

    Parameters
    ----------
    name_or_path : str, default DEFAULT_EMBEDDER
        A model name (``homog models list``) or a path to an ``.onnx`` file
        with ``tokenizer.json`` beside it.
    **options
        ``max_length``, ``batch_size``, ``normalize`` or ``pooling`` for
        :class:`OnnxEmbedder`. ``pooling`` defaults to the model's entry.

    Returns
    -------
    OnnxEmbedder

    Raises
    ------
    ModelLoadError
        The model is unknown, not installed, or cannot be loaded.
    """
    entry = resolve_model(name_or_path, ModelRole.EMBEDDER)
    if entry.path is None or entry.tokenizer_path is None:
        raise ModelLoadError(name_or_path, "the model entry has no file or no tokenizer")
    options.setdefault("pooling", entry.pooling or "mean")
    return OnnxEmbedder(entry.path, entry.tokenizer_path, model_id=entry.name, **options)


def _check_inputs(model_path: Path, session: ort.InferenceSession) -> list[str]:
    names = [item.name for item in session.get_inputs()]
    unsupported = [name for name in names if name not in _SUPPORTED_INPUTS]
    if unsupported or "input_ids" not in names:
        raise ModelLoadError(
            model_path,
            f"the model's inputs are {names}, but an embedder needs input_ids and may take "
            f"only {', '.join(_SUPPORTED_INPUTS)}; export the encoder with those inputs",
        )
    for item in session.get_inputs():
        if item.type != "tensor(int64)":
            raise ModelLoadError(
                model_path,
                f"input {item.name} has type {item.type}, expected tensor(int64); "
                "export the encoder with int64 inputs",
            )
    return names


def _choose_output(
    model_path: Path, session: ort.InferenceSession, pooling: Pooling
) -> tuple[str, bool]:
    """Pick the output to read: token vectors (rank 3) or a pooled vector (rank 2)."""
    outputs = [item for item in session.get_outputs() if item.type == "tensor(float)"]
    token_level = [item for item in outputs if len(item.shape) == 3]
    pooled = [item for item in outputs if len(item.shape) == 2]

    def by_name(candidates: list[Any], preferred: tuple[str, ...]) -> Any:
        for item in candidates:
            if item.name in preferred:
                return item
        return candidates[0]

    if pooling != "pooled" and token_level:
        return by_name(token_level, _TOKEN_OUTPUT_NAMES).name, False
    if pooled:
        if pooling != "pooled":
            log.debug("%s has no token-level output; using its pooled output", model_path)
        return by_name(pooled, _POOLED_OUTPUT_NAMES).name, True
    described = [(item.name, item.type, item.shape) for item in session.get_outputs()]
    raise ModelLoadError(
        model_path,
        f"no float output of rank 3 (token vectors) or rank 2 (sentence vectors) "
        f"for pooling {pooling!r}; the model's outputs are {described}",
    )


def _open_tokenizer(tokenizer_path: Path, max_length: int) -> Tokenizer:
    try:
        tokenizer = Tokenizer.from_file(str(tokenizer_path))
    except Exception as error:  # tokenizers raises a plain Exception for bad files
        raise ModelLoadError(
            tokenizer_path, f"cannot read it as a tokenizers tokenizer.json: {error}"
        ) from error
    # Shipped tokenizer.json files often pin padding to a fixed length (128 for
    # all-MiniLM-L6-v2); pad each batch to its longest text instead.
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_length)
    pad_id = tokenizer.token_to_id("[PAD]")
    if pad_id is None:
        tokenizer.enable_padding()
    else:
        tokenizer.enable_padding(pad_id=pad_id, pad_token="[PAD]")
    return tokenizer
