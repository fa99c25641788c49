"""Opening onnxruntime sessions for the embedders and NLI models."""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort

from homog_local.errors import ModelLoadError

__all__ = ["open_onnx_session"]

# onnxruntime's severity 3 keeps errors and drops its warnings and info lines.
_ORT_ERROR_LEVEL = 3


def open_onnx_session(model_path: Path) -> ort.InferenceSession:
    """Open an ONNX model on the CPU provider with onnxruntime's own logging quiet.

    Raises
    ------
    ModelLoadError
        When the file is missing or onnxruntime cannot load it.
    """
    if not model_path.is_file():
        raise ModelLoadError(model_path, "file not found; pass an existing .onnx file")
    options = ort.SessionOptions()
    options.log_severity_level = _ORT_ERROR_LEVEL
    try:
        return ort.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as error:  # onnxruntime raises its own untyped exception classes
        raise ModelLoadError(
            model_path, f"onnxruntime cannot load it as an ONNX model: {error}"
        ) from error
