"""Evaluation of stored runs: read a run into a score table, then report, cascade or compare.

The statistics come from :mod:`homog_local.metrics`, :mod:`homog_local.cascade`
and :mod:`homog_local.analysis`. This package only selects the questions and
signals of stored runs and assembles the results into report records.
"""

from __future__ import annotations

from homog_local.evaluation.cascade_report import (
    CascadeReport,
    PairCascade,
    StageCorrelation,
    StagePlan,
    build_cascade_report,
    default_stages,
    plan_stages,
)
from homog_local.evaluation.comparison import (
    AurocComparison,
    ClustererComparison,
    RunComparison,
    compare_runs,
    paired_auroc_difference_two_labels,
)
from homog_local.evaluation.run_data import (
    RunData,
    SignalTier,
    StageCostStats,
    load_run_data,
    load_run_data_with_b2,
    score_table,
    signal_cost,
    signal_stages,
    signal_tier,
)
from homog_local.evaluation.run_report import (
    RunReport,
    ScrRow,
    SignalRow,
    SingleClusterAuroc,
    build_run_report,
    constant_by_construction,
)

__all__ = [
    "AurocComparison",
    "CascadeReport",
    "ClustererComparison",
    "PairCascade",
    "RunComparison",
    "RunData",
    "RunReport",
    "ScrRow",
    "SignalRow",
    "SignalTier",
    "SingleClusterAuroc",
    "StageCorrelation",
    "StageCostStats",
    "StagePlan",
    "build_cascade_report",
    "build_run_report",
    "compare_runs",
    "constant_by_construction",
    "default_stages",
    "load_run_data",
    "load_run_data_with_b2",
    "paired_auroc_difference_two_labels",
    "plan_stages",
    "score_table",
    "signal_cost",
    "signal_stages",
    "signal_tier",
]
