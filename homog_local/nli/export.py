"""Convert a local Hugging Face sequence-classification checkpoint to an ONNX NLI model.

Needs the optional ``export`` extra (torch and transformers):
``pip install -e '.[export]'``. Nothing is downloaded: the checkpoint folder
must hold ``config.json``, the weights and a fast tokenizer.
"""

from __future__ import annotations

import logging
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from homog_local.errors import ConfigError, ModelLoadError
from homog_local.nli.labels import parse_label_names

__all__ = ["EXPORT_INSTALL_HINT", "ExportResult", "export_available", "export_nli_checkpoint"]

log = logging.getLogger(__name__)

EXPORT_INSTALL_HINT = "pip install -e '.[export]'"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# float32 export of the same weights; differences above this mean a broken graph.
_MAX_LOGIT_DIFFERENCE = 1e-3


@dataclass(frozen=True)
class ExportResult:
    """Files written by :func:`export_nli_checkpoint`.

    Parameters
    ----------
    model_path : Path
        ``model.onnx``.
    tokenizer_path : Path
        ``tokenizer.json``.
    config_path : Path
        ``config.json`` with ``id2label``.
    input_names : tuple of str
        Inputs of the exported graph.
    max_logit_difference : float
        Largest absolute difference between torch and onnxruntime logits on a
        probe pair.
    """

    model_path: Path
    tokenizer_path: Path
    config_path: Path
    input_names: tuple[str, ...]
    max_logit_difference: float


def export_available() -> bool:
    """Return whether torch and transformers can be imported."""
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError:
        return False
    return True


def export_nli_checkpoint(checkpoint: Path, output: Path, *, opset: int = 17) -> ExportResult:
    """Export a 3-label sequence-classification checkpoint to ONNX with its tokenizer.

    Parameters
    ----------
    checkpoint : Path
        Folder of a Hugging Face checkpoint (``config.json``, weights, fast
        tokenizer files), for example a DeBERTa-v3 MNLI model.
    output : Path
        Folder for ``model.onnx``, ``tokenizer.json`` and ``config.json``;
        created when missing.
    opset : int, default 17
        ONNX opset of the exported graph.

    Returns
    -------
    ExportResult

    Raises
    ------
    ConfigError
        torch or transformers is missing (the message gives the install
        command).
    ModelLoadError
        The folder is not a loadable checkpoint, it does not have three
        NLI labels, its tokenizer is not a fast tokenizer, or the exported
        graph disagrees with torch on a probe pair.
    """
    try:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
    except ImportError as error:
        raise ConfigError(
            "export-nli", str(error), f"install the export extra: {EXPORT_INSTALL_HINT}"
        ) from None
    if not (checkpoint / "config.json").is_file():
        raise ModelLoadError(checkpoint, "no config.json; pass a Hugging Face checkpoint folder")
    try:
        model = AutoModelForSequenceClassification.from_pretrained(
            str(checkpoint), local_files_only=True
        )
        tokenizer = AutoTokenizer.from_pretrained(str(checkpoint), local_files_only=True)
    except (OSError, ValueError) as error:
        raise ModelLoadError(checkpoint, f"transformers cannot load it: {error}") from None
    id2label = {int(k): str(v) for k, v in model.config.id2label.items()}
    parse_label_names(id2label, str(checkpoint / "config.json"))
    if not getattr(tokenizer, "is_fast", False):
        raise ModelLoadError(checkpoint, "the tokenizer is not a fast tokenizer, so there is no "
                             "tokenizer.json to export; add tokenizer.json to the checkpoint")
    model.eval()
    output.mkdir(parents=True, exist_ok=True)
    probe = tokenizer("A man is playing a guitar.", "Someone plays music.", return_tensors="pt")
    input_names = tuple(name for name in _INPUTS if name in probe)
    wrapper = _logits_module(model, input_names)
    model_path = output / "model.onnx"
    dynamic = {name: {0: "batch", 1: "sequence"} for name in input_names}
    dynamic["logits"] = {0: "batch"}
    with torch.no_grad(), warnings.catch_warnings():
        # The tracer warns about shape checks it freezes; the probe comparison
        # below is the check that matters, so the warnings stay out of the CLI.
        warnings.simplefilter("ignore")
        # Computed before export, because tracing may leave the module changed.
        expected = model(**{name: probe[name] for name in input_names}).logits.numpy().copy()
        torch.onnx.export(
            wrapper, tuple(probe[name] for name in input_names), str(model_path),
            input_names=list(input_names), output_names=["logits"], dynamic_axes=dynamic,
            opset_version=opset, dynamo=False,
        )

    tokenizer_path = output / "tokenizer.json"
    tokenizer.backend_tokenizer.save(str(tokenizer_path))
    config_path = output / "config.json"
    if config_path.resolve() != (checkpoint / "config.json").resolve():
        shutil.copyfile(checkpoint / "config.json", config_path)
    difference = _compare(model_path, probe, input_names, expected)
    log.info("exported %s to %s (max logit difference %.2g)", checkpoint, model_path, difference)
    return ExportResult(model_path, tokenizer_path, config_path, input_names, difference)


def _compare(model_path: Path, probe: Any, input_names: tuple[str, ...],
             expected: np.ndarray) -> float:
    import onnxruntime as ort

    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    feed_names = {item.name for item in session.get_inputs()}
    feed = {name: probe[name].numpy() for name in input_names if name in feed_names}
    (logits,) = session.run(["logits"], feed)
    difference = float(np.abs(np.asarray(logits) - expected).max())
    if difference > _MAX_LOGIT_DIFFERENCE:
        raise ModelLoadError(
            model_path, f"onnxruntime logits differ from torch by {difference:.3g} "
            f"(limit {_MAX_LOGIT_DIFFERENCE}); try another --opset",
        )
    return difference


def _logits_module(model: Any, input_names: tuple[str, ...]) -> Any:
    """Wrap a classifier so the exported graph takes positional inputs and returns logits."""
    import torch

    class LogitsOnly(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors: Any) -> Any:
            return self.model(**dict(zip(input_names, tensors, strict=True))).logits

    return LogitsOnly()
