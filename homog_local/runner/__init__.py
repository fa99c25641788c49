"""The run loop: generate, cluster, score, label and commit one question at a time."""

from __future__ import annotations

from homog_local.runner.backends import Embedder, GeneratorBackend
from homog_local.runner.engine import RunEngine, RunOutcome
from homog_local.runner.progress import RunProgress

__all__ = ["Embedder", "GeneratorBackend", "RunEngine", "RunOutcome", "RunProgress"]
