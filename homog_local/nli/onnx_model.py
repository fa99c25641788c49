"""NLI cross-encoders in ONNX format, run with onnxruntime and a tokenizers tokenizer."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from tokenizers import Tokenizer

from homog_local.errors import BackendError, ConfigError, ModelLoadError
from homog_local.models import ModelRole, resolve_model
from homog_local.nli.labels import LabelMap, read_label_map
from homog_local.onnx_session import open_onnx_session, run_encodings

__all__ = ["DEFAULT_NLI_MAX_LENGTH", "OnnxNliModel", "load_nli_model"]

log = logging.getLogger(__name__)

DEFAULT_NLI_MAX_LENGTH = 256
_SUPPORTED_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_PAD_TOKENS = ("[PAD]", "<pad>")


class OnnxNliModel:
    """A 3-way NLI cross-encoder (premise, hypothesis) -> class probabilities.

    Parameters
    ----------
    model_path : Path or str
        The ``.onnx`` file. Inputs: ``input_ids`` and ``attention_mask``,
        optionally ``token_type_ids``, all int64. Output: float logits of
        shape (batch, 3).
    tokenizer_path : Path or str
        The matching ``tokenizer.json``; pairs are encoded with the
        tokenizer's own pair template (``[CLS] a [SEP] b [SEP]`` for
        DeBERTa-v3).
    label_map : LabelMap or None, default None
        Output index of each class; None reads it with
        :func:`~homog_local.nli.labels.read_label_map`.
    max_length : int, default 256
        Token limit of a pair, special tokens included. Longer pairs are cut
        token by token from the longer text first (``longest_first``). It is
        lowered to ``max_position_embeddings`` of the ``config.json`` beside
        the model when that is smaller.
    batch_size : int, default 32
        Pairs per onnxruntime call.
    model_id : str or None, default None
        Name for messages; None uses the file stem.

    Raises
    ------
    ModelLoadError
        The model, tokenizer or label order cannot be loaded, an input is not
        supported, or the model does not return 3 logits per pair.
    ConfigError
        ``max_length`` or ``batch_size`` is out of range.

    Notes
    -----
    Two answers that differ only after the token limit get the same
    probabilities; the limit is recorded with every clusterer that uses it.
    """

    def __init__(
        self,
        model_path: Path | str,
        tokenizer_path: Path | str,
        label_map: LabelMap | None = None,
        max_length: int = DEFAULT_NLI_MAX_LENGTH,
        batch_size: int = 32,
        model_id: str | None = None,
    ) -> None:
        if max_length < 4:
            raise ConfigError("max_length", max_length, "use at least 4 tokens")
        if batch_size < 1:
            raise ConfigError("batch_size", batch_size, "use at least 1")
        self.model_path = Path(model_path)
        self.tokenizer_path = Path(tokenizer_path)
        position_limit = _position_limit(self.model_path)
        if position_limit is not None and max_length > position_limit:
            log.debug("%s: token limit lowered from %d to max_position_embeddings %d",
                      self.model_path, max_length, position_limit)
            max_length = position_limit
        self.max_length = max_length
        self.batch_size = batch_size
        self.model_id = model_id or self.model_path.stem
        self.label_map = label_map if label_map is not None else read_label_map(self.model_path)
        self._session = open_onnx_session(self.model_path)
        self._input_names = _check_inputs(self.model_path, self._session)
        self._output_name = _choose_output(self.model_path, self._session)
        self._tokenizer = _open_tokenizer(self.tokenizer_path, max_length)
        self.n_inferences = 0
        probe = self.predict([("A cat sleeps.", "An animal rests.")])
        if probe.shape != (1, 3):
            raise ModelLoadError(self.model_path, f"returned shape {probe.shape} for one pair")

    @property
    def input_names(self) -> tuple[str, ...]:
        """Model inputs fed on every call."""
        return tuple(self._input_names)

    @property
    def output_name(self) -> str:
        """The logits output read on every call."""
        return self._output_name

    def predict(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float64]:
        """Return class probabilities of (premise, hypothesis) pairs.

        Parameters
        ----------
        pairs : sequence of (str, str)

        Returns
        -------
        ndarray of shape (len(pairs), 3), float64
            Softmax probabilities in canonical order (contradiction,
            neutral, entailment).

        Raises
        ------
        BackendError
            onnxruntime failed on a batch.
        """
        if len(pairs) == 0:
            return np.zeros((0, 3), dtype=np.float64)
        rows = []
        for start in range(0, len(pairs), self.batch_size):
            rows.append(self._predict_batch(pairs[start : start + self.batch_size]))
        self.n_inferences += len(pairs)
        return np.concatenate(rows, axis=0)

    def _predict_batch(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float64]:
        encodings = self._tokenizer.encode_batch([(a, b) for a, b in pairs])
        logits = run_encodings(
            self._session, self._input_names, self._output_name, encodings,
            model_id=self.model_id, batch_label=f"{len(pairs)} pairs",
        )  # fmt: skip
        values = np.asarray(logits, dtype=np.float64)
        if values.ndim != 2 or values.shape[1] != 3:
            raise BackendError(
                "onnxruntime", f"{self.model_id} returned logits of shape {values.shape}, "
                "expected (batch, 3)"
            )
        values = values[:, list(self.label_map.order)]
        values -= values.max(axis=1, keepdims=True)
        exp = np.exp(values)
        return exp / exp.sum(axis=1, keepdims=True)

    def __repr__(self) -> str:
        return f"OnnxNliModel(model_id={self.model_id!r}, max_length={self.max_length})"


def load_nli_model(name_or_path: str, **options: Any) -> tuple[OnnxNliModel, str]:
    """Load an NLI model by catalog name or ``.onnx`` path.

    Parameters
    ----------
    name_or_path : str
        A model name with role ``nli`` (``homog models list``) or a path to
        an ``.onnx`` file with ``tokenizer.json`` and ``config.json`` (or
        ``nli_labels.json``) beside it.
    **options
        ``max_length`` or ``batch_size`` for :class:`OnnxNliModel`.

    Returns
    -------
    (OnnxNliModel, str)
        The model and the sha256 of its file.

    Raises
    ------
    ModelLoadError
        The model is unknown, not an NLI model, or cannot be loaded.
    """
    entry = resolve_model(name_or_path, ModelRole.NLI)
    if entry.path is None or entry.tokenizer_path is None or entry.sha256 is None:
        raise ModelLoadError(name_or_path, "the model entry has no file or no tokenizer")
    model = OnnxNliModel(entry.path, entry.tokenizer_path, model_id=entry.name, **options)
    return model, entry.sha256


def _position_limit(model_path: Path) -> int | None:
    """Return ``max_position_embeddings`` from the config.json beside the model, if any."""
    config = model_path.parent / "config.json"
    if not config.is_file():
        return None
    try:
        value = json.loads(config.read_text(encoding="utf-8")).get("max_position_embeddings")
    except (OSError, json.JSONDecodeError, AttributeError):
        return None
    # Models with relative positions (DeBERTa-v3 sets position_biased_input to false) still
    # list a limit; capping there costs only truncation of pairs longer than it.
    return int(value) if isinstance(value, int) and value >= 4 else None


def _check_inputs(model_path: Path, session: ort.InferenceSession) -> list[str]:
    names = [item.name for item in session.get_inputs()]
    unsupported = [name for name in names if name not in _SUPPORTED_INPUTS]
    if unsupported or "input_ids" not in names or "attention_mask" not in names:
        raise ModelLoadError(
            model_path,
            f"the model's inputs are {names}, but an NLI cross-encoder needs input_ids and "
            "attention_mask and may also take token_type_ids; export it with "
            "`homog models export-nli`",
        )
    for item in session.get_inputs():
        if item.type != "tensor(int64)":
            raise ModelLoadError(
                model_path, f"input {item.name} has type {item.type}, expected tensor(int64)"
            )
    return names


def _choose_output(model_path: Path, session: ort.InferenceSession) -> str:
    candidates = []
    for item in session.get_outputs():
        if item.type != "tensor(float)" or len(item.shape) != 2:
            continue
        width = item.shape[-1]
        # A symbolic width (a string or None) is checked on the probe call.
        if isinstance(width, int) and width != 3:
            continue
        candidates.append(item)
    for item in candidates:
        if item.name == "logits":
            return str(item.name)
    if candidates:
        return str(candidates[0].name)
    described = [(item.name, item.type, item.shape) for item in session.get_outputs()]
    raise ModelLoadError(
        model_path,
        f"no float output of shape (batch, 3); the model's outputs are {described}; "
        "an NLI model must return 3-way logits",
    )


def _open_tokenizer(tokenizer_path: Path, max_length: int) -> Tokenizer:
    try:
        tokenizer = Tokenizer.from_file(str(tokenizer_path))
    except Exception as error:  # tokenizers raises a plain Exception for bad files
        raise ModelLoadError(
            tokenizer_path, f"cannot read it as a tokenizers tokenizer.json: {error}"
        ) from error
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_length, strategy="longest_first")
    for token in _PAD_TOKENS:
        pad_id = tokenizer.token_to_id(token)
        if pad_id is not None:
            tokenizer.enable_padding(pad_id=pad_id, pad_token=token)
            return tokenizer
    tokenizer.enable_padding()
    return tokenizer
