r"""DeLong test for the difference of two correlated AUROCs on the same questions."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from homog_local.metrics._checks import as_labels, as_scores, warn_undefined

__all__ = ["DeLongResult", "delong_test"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeLongResult:
    """Two-sided DeLong test of AUROC(a) = AUROC(b).

    Attributes
    ----------
    auroc_a, auroc_b : float
        AUROC of each score; NaN when one class is missing.
    difference : float
        ``auroc_a - auroc_b``.
    z : float
        Test statistic; NaN when undefined.
    p_value : float
        Two-sided p-value; NaN when undefined.
    n_positive, n_negative : int
        Incorrect and correct answers.
    undefined_reason : str
        Why the test is undefined; empty otherwise.
    """

    auroc_a: float
    auroc_b: float
    difference: float
    z: float
    p_value: float
    n_positive: int
    n_negative: int
    undefined_reason: str = ""


def _midrank(values: np.ndarray) -> np.ndarray:
    """Return 1-based ranks with ties averaged, along the last axis."""
    return stats.rankdata(values, method="average", axis=-1)


def delong_test(scores_a: ArrayLike, scores_b: ArrayLike, is_incorrect: ArrayLike) -> DeLongResult:
    r"""Test whether two scores of the same questions have the same AUROC.

    Parameters
    ----------
    scores_a, scores_b : array-like of float, shape (n,)
        Two uncertainty scores of the same questions.
    is_incorrect : array-like of {0, 1}, shape (n,)
        1 when the answer is incorrect.

    Returns
    -------
    DeLongResult

    Warns
    -----
    UndefinedMetricWarning
        When a class has fewer than 2 answers, or when the variance of the
        difference is 0 (for example identical scores).

    Notes
    -----
    Fast midrank algorithm: with :math:`m` positives and :math:`n` negatives,
    the structural components are

    .. math:: V_{10}(x_i) = \frac{T_z(x_i) - T_x(x_i)}{n}, \qquad
              V_{01}(y_j) = 1 - \frac{T_z(y_j) - T_y(y_j)}{m}

    where :math:`T_z, T_x, T_y` are midranks in the pooled, positive-only and
    negative-only samples. The variance of the difference is
    :math:`c^\top (S_{10}/m + S_{01}/n) c` with :math:`c = (1, -1)`, and
    :math:`z = \Delta / \sqrt{\mathrm{var}}`.

    References
    ----------
    DeLong, DeLong and Clarke-Pearson, Biometrics 44 (1988) 837-845.
    Sun and Xu, IEEE Signal Processing Letters 21 (2014) 1389-1393.
    """
    first = as_scores(scores_a, "scores_a")
    second = as_scores(scores_b, "scores_b")
    if first.shape != second.shape:
        raise ValueError(f"scores_a and scores_b differ in length: {first.shape} vs {second.shape}")
    labels = as_labels(is_incorrect, first.shape[0])
    m = int(labels.sum())
    n = int(labels.shape[0]) - m
    if m < 2 or n < 2:
        reason = f"each class needs at least 2 answers (n+={m}, n-={n})"
        warn_undefined("DeLong test", reason)
        nan = math.nan
        return DeLongResult(nan, nan, nan, nan, nan, m, n, reason)
    matrix = np.vstack([first, second])
    positives = matrix[:, labels == 1]
    negatives = matrix[:, labels == 0]
    pooled_ranks = _midrank(np.hstack([positives, negatives]))
    tx = _midrank(positives)
    ty = _midrank(negatives)
    v10 = (pooled_ranks[:, :m] - tx) / n
    v01 = 1.0 - (pooled_ranks[:, m:] - ty) / m
    aurocs = v10.mean(axis=1)
    covariance = np.cov(v10) / m + np.cov(v01) / n
    contrast = np.array([1.0, -1.0])
    variance = float(contrast @ covariance @ contrast)
    difference = float(aurocs[0] - aurocs[1])
    if variance <= 1e-18:
        reason = f"variance of the AUROC difference is 0 (n+={m}, n-={n})"
        warn_undefined("DeLong test", reason)
        return DeLongResult(
            float(aurocs[0]), float(aurocs[1]), difference, math.nan, math.nan, m, n, reason
        )
    z = difference / math.sqrt(variance)
    p_value = float(2.0 * stats.norm.sf(abs(z)))
    return DeLongResult(float(aurocs[0]), float(aurocs[1]), difference, z, p_value, m, n)
