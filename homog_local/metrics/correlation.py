r"""Pearson and Spearman correlation between two per-question scores."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from homog_local.metrics._checks import as_scores, warn_undefined

__all__ = ["CorrelationResult", "correlation"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CorrelationResult:
    """Correlation coefficient with its two-sided p-value.

    Attributes
    ----------
    value : float
        Coefficient in [-1, 1]; NaN when undefined.
    p_value : float
        Two-sided p-value of zero correlation; NaN when undefined.
    n : int
        Number of paired values.
    method : {"pearson", "spearman"}
        Which coefficient.
    undefined_reason : str
        Why ``value`` is NaN; empty otherwise.
    """

    value: float
    p_value: float
    n: int
    method: str
    undefined_reason: str = ""


def correlation(
    x: ArrayLike, y: ArrayLike, method: Literal["pearson", "spearman"] = "spearman"
) -> CorrelationResult:
    """Compute the Pearson or Spearman correlation of two scores of the same questions.

    Parameters
    ----------
    x, y : array-like of float, shape (n,)
        Paired scores.
    method : {"pearson", "spearman"}, default "spearman"
        Linear correlation, or correlation of midranks.

    Returns
    -------
    CorrelationResult

    Warns
    -----
    UndefinedMetricWarning
        When fewer than 3 pairs are given or either score is constant.

    Notes
    -----
    Wraps :func:`scipy.stats.pearsonr` and :func:`scipy.stats.spearmanr`.
    """
    if method not in ("pearson", "spearman"):
        raise ValueError(f"method must be 'pearson' or 'spearman'; got {method!r}")
    first = as_scores(x, "x")
    second = as_scores(y, "y")
    if first.shape != second.shape:
        raise ValueError(f"x and y differ in length: {first.shape[0]} vs {second.shape[0]}")
    n = int(first.shape[0])
    reason = ""
    if n < 3:
        reason = f"needs at least 3 pairs (n={n})"
    elif np.ptp(first) == 0 or np.ptp(second) == 0:
        reason = f"a score is constant (n={n})"
    if reason:
        warn_undefined(f"{method} correlation", reason)
        return CorrelationResult(math.nan, math.nan, n, method, reason)
    test = stats.pearsonr if method == "pearson" else stats.spearmanr
    result = test(first, second)
    return CorrelationResult(float(result.statistic), float(result.pvalue), n, method)
