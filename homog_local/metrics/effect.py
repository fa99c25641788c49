"""Effect sizes and rank tests between two groups of scores."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from homog_local.metrics._checks import as_scores, warn_undefined

__all__ = ["CohensDResult", "MannWhitneyResult", "cohens_d", "mann_whitney"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CohensDResult:
    """Standardised mean difference of two groups.

    Attributes
    ----------
    value : float
        Cohen's d; NaN only together with ``undefined_reason``.
    n_a, n_b : int
        Group sizes.
    undefined_reason : str
        Why ``value`` is NaN; empty otherwise.
    """

    value: float
    n_a: int
    n_b: int
    undefined_reason: str = ""


@dataclass(frozen=True)
class MannWhitneyResult:
    """Two-sided Mann-Whitney U test of two groups.

    Attributes
    ----------
    statistic : float
        U statistic of group ``a``.
    p_value : float
        Two-sided p-value; NaN when undefined.
    effect : float
        :math:`U / (n_a n_b)`, the probability that a random ``a`` exceeds a
        random ``b`` (ties count one half). With ``a`` the scores of incorrect
        answers this is the AUROC.
    n_a, n_b : int
        Group sizes.
    undefined_reason : str
        Why the test is undefined; empty otherwise.
    """

    statistic: float
    p_value: float
    effect: float
    n_a: int
    n_b: int
    undefined_reason: str = ""


def cohens_d(a: ArrayLike, b: ArrayLike) -> CohensDResult:
    r"""Compute Cohen's d of group ``a`` against group ``b`` with the pooled SD.

    Parameters
    ----------
    a, b : array-like of float
        The two groups (for example scores of incorrect and of correct answers).

    Returns
    -------
    CohensDResult
        Positive when ``a`` has the larger mean.

    Warns
    -----
    UndefinedMetricWarning
        When a group has fewer than 2 items or the pooled SD is 0.

    Notes
    -----
    .. math:: d = \frac{\bar a - \bar b}{s_p}, \qquad
              s_p^2 = \frac{(n_a - 1) s_a^2 + (n_b - 1) s_b^2}{n_a + n_b - 2}

    with :math:`s^2` the unbiased sample variance (``ddof=1``).

    Examples
    --------
    >>> cohens_d([2.0, 4.0], [0.0, 2.0]).value
    1.414213562373095
    """
    first = as_scores(a, "a")
    second = as_scores(b, "b")
    n_a, n_b = int(first.shape[0]), int(second.shape[0])
    if n_a < 2 or n_b < 2:
        reason = f"each group needs at least 2 values (n_a={n_a}, n_b={n_b})"
        warn_undefined("Cohen's d", reason)
        return CohensDResult(math.nan, n_a, n_b, reason)
    pooled_var = ((n_a - 1) * first.var(ddof=1) + (n_b - 1) * second.var(ddof=1)) / (n_a + n_b - 2)
    if pooled_var <= 0:
        reason = f"pooled standard deviation is 0 (n_a={n_a}, n_b={n_b})"
        warn_undefined("Cohen's d", reason)
        return CohensDResult(math.nan, n_a, n_b, reason)
    value = (first.mean() - second.mean()) / math.sqrt(pooled_var)
    return CohensDResult(float(value), n_a, n_b)


def mann_whitney(a: ArrayLike, b: ArrayLike) -> MannWhitneyResult:
    """Run the two-sided Mann-Whitney U test of ``a`` against ``b``.

    Parameters
    ----------
    a, b : array-like of float
        The two groups.

    Returns
    -------
    MannWhitneyResult

    Warns
    -----
    UndefinedMetricWarning
        When a group is empty, or when every value is tied (the p-value is then
        NaN while ``statistic`` and ``effect`` stay defined).

    Notes
    -----
    Wraps :func:`scipy.stats.mannwhitneyu` with ``method="auto"`` (exact for
    small samples without ties, normal approximation with tie correction
    otherwise).
    """
    first = as_scores(a, "a")
    second = as_scores(b, "b")
    n_a, n_b = int(first.shape[0]), int(second.shape[0])
    if n_a == 0 or n_b == 0:
        reason = f"a group is empty (n_a={n_a}, n_b={n_b})"
        warn_undefined("Mann-Whitney U", reason)
        return MannWhitneyResult(math.nan, math.nan, math.nan, n_a, n_b, reason)
    pooled = np.concatenate([first, second])
    if np.ptp(pooled) == 0:
        reason = f"all values are tied (n_a={n_a}, n_b={n_b})"
        warn_undefined("Mann-Whitney U p-value", reason)
        u = n_a * n_b / 2.0
        return MannWhitneyResult(u, math.nan, 0.5, n_a, n_b, reason)
    result = stats.mannwhitneyu(first, second, alternative="two-sided")
    u = float(result.statistic)
    return MannWhitneyResult(u, float(result.pvalue), u / (n_a * n_b), n_a, n_b)
