"""Summaries of stored runs: SCR per clusterer, AUROC per signal, effect sizes."""

from __future__ import annotations

from homog_local.report.summary import (
    RunSummary,
    ScrSummary,
    SignalSummary,
    summarize_run,
    summary_to_json,
)

__all__ = ["RunSummary", "ScrSummary", "SignalSummary", "summarize_run", "summary_to_json"]
