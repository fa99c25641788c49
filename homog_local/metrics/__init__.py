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
from homog_local.metrics.effect import (
    CohensDResult,
    MannWhitneyResult,
    cohens_d,
    mann_whitney,
)
from homog_local.metrics.entropy import cluster_entropy

__all__ = [
    "AurocResult",
    "CohensDResult",
    "MannWhitneyResult",
    "ProportionResult",
    "auroc",
    "auroc_resamples",
    "auroc_with_ci",
    "bootstrap_ci",
    "cluster_entropy",
    "cohens_d",
    "mann_whitney",
    "proportion_ci",
]
