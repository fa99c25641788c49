"""Bringing samples generated elsewhere into the store as a finished run."""

from __future__ import annotations

from homog_local.ingest.jsonl import ImportedQuestion, import_jsonl, read_import_file

__all__ = ["ImportedQuestion", "import_jsonl", "read_import_file"]
