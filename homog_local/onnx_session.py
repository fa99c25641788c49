"""Opening onnxruntime sessions for the embedders and NLI models."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from homog_local.errors import BackendError, ModelLoadError

__all__ = ["open_onnx_session", "run_encodings"]

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


def run_encodings(
    session: ort.InferenceSession,
    input_names: Sequence[str],
    output_name: str,
    encodings: Sequence[Any],
    *,
    model_id: str,
    batch_label: str,
) -> Any:
    """Feed a batch of ``tokenizers`` encodings to a session and return one output.

    Parameters
    ----------
    session : onnxruntime.InferenceSession
        The model.
    input_names : sequence of str
        Inputs the model declares, among input_ids, attention_mask and token_type_ids.
    output_name : str
        The output to fetch.
    encodings : sequence of tokenizers.Encoding
        Padded encodings of one batch.
    model_id : str
        Model name for error messages.
    batch_label : str
        What the batch holds, for error messages (for example "3 texts").

    Raises
    ------
    BackendError
        When onnxruntime fails on the batch.
    """
    available = {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }
    feed = {name: available[name] for name in input_names}
    try:
        (output,) = session.run([output_name], feed)
    except Exception as error:  # onnxruntime raises its own untyped exception classes
        raise BackendError(
            "onnxruntime", f"{model_id} failed on a batch of {batch_label}: {error}"
        ) from error
    return output
