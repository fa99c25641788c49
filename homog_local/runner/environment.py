"""Versions of the software a run used, stored with the run."""

from __future__ import annotations

import importlib.metadata
import platform
from typing import Any

__all__ = ["environment_facts"]

_PACKAGES = (
    "homog-local",
    "llama-cpp-python",
    "onnxruntime",
    "tokenizers",
    "numpy",
    "scipy",
    "scikit-learn",
)


def environment_facts() -> dict[str, Any]:
    """Return Python, platform and package versions as a JSON-ready dict."""
    versions: dict[str, str | None] = {}
    for name in _PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "packages": versions,
    }
