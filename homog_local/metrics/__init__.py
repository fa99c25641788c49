"""Metrics over per-question uncertainty scores and correctness labels.

Conventions used by every module in this package:

- A *score* is an uncertainty: higher means the model is less certain.
- The *positive class* (label 1) is an incorrect answer, so an uncertainty
  score that ranks incorrect answers higher has AUROC above 0.5.
- Undefined cases (one class present, an empty subset, a zero spread) are not
  errors. The function returns NaN, records the reason in the result's
  ``undefined_reason`` with the class counts, and emits
  :class:`homog_local.errors.UndefinedMetricWarning`.
- Invalid input (wrong shape, NaN scores, labels other than 0/1) raises
  ``ValueError`` naming the argument and the fix.
"""

from __future__ import annotations

from homog_local.metrics.auroc import AurocResult, auroc, auroc_resamples, auroc_with_ci
from homog_local.metrics.bootstrap import ProportionResult, bootstrap_ci, proportion_ci
from homog_local.metrics.calibration import (
    CalibrationResult,
    PlattModel,
    brier_score,
    calibrated_error,
    expected_calibration_error,
    fit_platt,
    stratified_split,
)
from homog_local.metrics.correlation import CorrelationResult, correlation
from homog_local.metrics.delong import DeLongResult, delong_test
from homog_local.metrics.effect import (
    CohensDResult,
    MannWhitneyResult,
    cohens_d,
    mann_whitney,
)
from homog_local.metrics.entropy import cluster_entropy
from homog_local.metrics.multiple_testing import FdrResult, benjamini_hochberg
from homog_local.metrics.paired import (
    PairedDifference,
    TestResult,
    mcnemar_exact,
    paired_auroc_difference,
    paired_mean_difference,
    wilcoxon_signed_rank,
)
from homog_local.metrics.selective import (
    DEFAULT_COVERAGES,
    AccuracyAtCoverage,
    PrrResult,
    RiskCoverage,
    accuracy_at_coverage,
    aurc,
    prediction_rejection_ratio,
    risk_coverage_curve,
)

__all__ = [
    "DEFAULT_COVERAGES",
    "AccuracyAtCoverage",
    "AurocResult",
    "CalibrationResult",
    "CohensDResult",
    "CorrelationResult",
    "DeLongResult",
    "FdrResult",
    "MannWhitneyResult",
    "PairedDifference",
    "PlattModel",
    "ProportionResult",
    "PrrResult",
    "RiskCoverage",
    "TestResult",
    "accuracy_at_coverage",
    "aurc",
    "auroc",
    "auroc_resamples",
    "auroc_with_ci",
    "benjamini_hochberg",
    "bootstrap_ci",
    "brier_score",
    "calibrated_error",
    "cluster_entropy",
    "cohens_d",
    "correlation",
    "delong_test",
    "expected_calibration_error",
    "fit_platt",
    "mann_whitney",
    "mcnemar_exact",
    "paired_auroc_difference",
    "paired_mean_difference",
    "prediction_rejection_ratio",
    "proportion_ci",
    "risk_coverage_curve",
    "stratified_split",
    "wilcoxon_signed_rank",
]
