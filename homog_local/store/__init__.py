"""SQLite storage of runs, samples, clusters, signals and labels."""

from __future__ import annotations

from homog_local.store.db import Store, open_store
from homog_local.store.records import QuestionResult, RunRecord

__all__ = ["QuestionResult", "RunRecord", "Store", "open_store"]
