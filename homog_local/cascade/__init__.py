"""Uncertainty cascades: free signals first, a costlier signal only when the cheap one is unsure.

Two stages are supported: a cheap score (e.g. token entropy, free once the
answer is generated) and a costly score (e.g. a density or clustering signal
that needs extra model calls). Both are uncertainties (higher = less certain)
and are min-max normalised before they are compared or combined.
"""

from __future__ import annotations

from homog_local.cascade.grid import CascadeGrid, CascadeSetting, WeightChoice, cascade_grid
from homog_local.cascade.heldout import HeldOutSummary, SpreadStat, held_out_cascade
from homog_local.cascade.paper import PaperCascadeReport, PaperFrontierRow, paper_cascade_report
from homog_local.cascade.rules import (
    EscalationRule,
    MinMaxNormalizer,
    RuleKind,
    cascade_scores,
    median_band_rule,
    relative_cost,
    threshold_rule,
)

__all__ = [
    "CascadeGrid",
    "CascadeSetting",
    "EscalationRule",
    "HeldOutSummary",
    "MinMaxNormalizer",
    "PaperCascadeReport",
    "PaperFrontierRow",
    "RuleKind",
    "SpreadStat",
    "WeightChoice",
    "cascade_grid",
    "cascade_scores",
    "held_out_cascade",
    "median_band_rule",
    "paper_cascade_report",
    "relative_cost",
    "threshold_rule",
]
