"""Model files: shipped PyPI data packages, the model folder's catalog, GGUF metadata.

:func:`list_models` describes every known model without loading it, and
:func:`resolve_model` turns a name or a path into a file ready to load.
"""

from __future__ import annotations

from homog_local.models.entry import ModelEntry, ModelKind, ModelRole
from homog_local.models.gguf import GgufHeader, read_gguf_header
from homog_local.models.hashing import file_sha256
from homog_local.models.packages import DEFAULT_EMBEDDER, DEFAULT_GENERATOR
from homog_local.models.registry import known_model_names, list_models, resolve_model

__all__ = [
    "DEFAULT_EMBEDDER",
    "DEFAULT_GENERATOR",
    "GgufHeader",
    "ModelEntry",
    "ModelKind",
    "ModelRole",
    "file_sha256",
    "known_model_names",
    "list_models",
    "read_gguf_header",
    "resolve_model",
]
