"""Percentile bootstrap confidence intervals and proportion intervals."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from homog_local.metrics._checks import check_level, check_resamples, warn_undefined

__all__ = ["ProportionResult", "bootstrap_ci", "percentile_bounds", "proportion_ci"]

log = logging.getLogger(__name__)

# A CI is reported only when at least this share of the resamples gave a
# finite statistic (the others are skipped).
_MIN_VALID_FRACTION = 0.5


def percentile_bounds(values: np.ndarray, level: float) -> tuple[float, float]:
    """Return the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of ``values``.

    Parameters
    ----------
    values : numpy.ndarray, shape (k,)
        Finite bootstrap replicates.
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    tuple of float
        Lower and upper bound (linear interpolation between order statistics).
    """
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(values, [tail, 1.0 - tail])
    return float(low), float(high)


def bootstrap_ci(
    statistic: Callable[..., float],
    *arrays: ArrayLike,
    n_resamples: int = 10_000,
    seed: int = 0,
    level: float = 0.95,
    paired: bool = True,
) -> tuple[float, float]:
    """Compute a percentile bootstrap confidence interval of ``statistic(*arrays)``.

    Parameters
    ----------
    statistic : callable
        Function of the (resampled) arrays returning a float. NaN results are
        skipped and counted.
    *arrays : array-like
        Samples, each indexed along its first axis.
    n_resamples : int, default 10_000
        Number of resamples.
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`.
    level : float, default 0.95
        Confidence level of the two-sided interval.
    paired : bool, default True
        If True every array must have the same length and all arrays are
        resampled with the same indices (rows are kept together). If False each
        array is resampled independently (two-sample designs).

    Returns
    -------
    tuple of float
        ``(ci_low, ci_high)``; ``(nan, nan)`` when undefined.

    Raises
    ------
    ValueError
        If no array is given, ``paired`` arrays differ in length, or
        ``level``/``n_resamples`` are out of range.

    Warns
    -----
    UndefinedMetricWarning
        When an array is empty or fewer than half of the resamples give a
        finite statistic.

    Notes
    -----
    The statistic is called once per resample in Python, so keep it cheap;
    :func:`homog_local.metrics.auroc.auroc_resamples` is the vectorised path
    for AUROC. The bounds are the percentile bounds of the finite replicates.
    """
    check_level(level)
    check_resamples(n_resamples)
    if not arrays:
        raise ValueError("bootstrap_ci needs at least one array after the statistic")
    data = [np.asarray(array) for array in arrays]
    lengths = [array.shape[0] if array.ndim else 0 for array in data]
    if paired and len(set(lengths)) > 1:
        raise ValueError(
            f"paired=True needs arrays of one length; got lengths {lengths} "
            "(pass paired=False for independent samples)"
        )
    if min(lengths) == 0:
        warn_undefined("bootstrap CI", f"an array is empty (lengths {lengths})")
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    replicates = np.empty(n_resamples)
    for b in range(n_resamples):
        if paired:
            idx = rng.integers(0, lengths[0], size=lengths[0])
            sample = [array[idx] for array in data]
        else:
            sample = [array[rng.integers(0, len(array), size=len(array))] for array in data]
        replicates[b] = statistic(*sample)
    kept = replicates[np.isfinite(replicates)]
    if kept.shape[0] < max(2, math.ceil(_MIN_VALID_FRACTION * n_resamples)):
        warn_undefined(
            "bootstrap CI",
            f"only {kept.shape[0]} of {n_resamples} resamples gave a finite statistic",
        )
        return math.nan, math.nan
    return percentile_bounds(kept, level)


@dataclass(frozen=True)
class ProportionResult:
    """A proportion (e.g. the single-cluster rate) with a confidence interval.

    Attributes
    ----------
    value : float
        Share of true flags; NaN only when ``n`` is 0.
    ci_low, ci_high : float
        Interval bounds.
    n : int
        Number of flags.
    n_true : int
        Number of true flags.
    method : {"wilson", "bootstrap"}
        How the interval was computed.
    undefined_reason : str
        Why the value is NaN; empty otherwise.
    """

    value: float
    ci_low: float
    ci_high: float
    n: int
    n_true: int
    method: str
    undefined_reason: str = ""


def proportion_ci(
    flags: ArrayLike,
    *,
    method: Literal["wilson", "bootstrap"] = "wilson",
    n_resamples: int = 10_000,
    seed: int = 0,
    level: float = 0.95,
) -> ProportionResult:
    r"""Compute a proportion of true flags with a confidence interval.

    Parameters
    ----------
    flags : array-like of bool or {0, 1}, shape (n,)
        One flag per question, e.g. "all samples fell in one cluster" for the
        single-cluster rate (SCR).
    method : {"wilson", "bootstrap"}, default "wilson"
        Wilson score interval, or the percentile bootstrap.
    n_resamples : int, default 10_000
        Resamples for ``method="bootstrap"``.
    seed : int, default 0
        Seed for ``method="bootstrap"``.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    ProportionResult

    Warns
    -----
    UndefinedMetricWarning
        When ``flags`` is empty.

    Notes
    -----
    With :math:`\hat p = k/n` and :math:`z` the standard normal quantile, the
    Wilson interval is

    .. math:: \frac{\hat p + z^2/2n \pm z\sqrt{\hat p(1-\hat p)/n + z^2/4n^2}}{1 + z^2/n}

    It stays inside [0, 1] and is not degenerate at 0 or 1, unlike the
    percentile bootstrap, which gives [0, 0] when no flag is true.
    """
    check_level(level)
    array = np.asarray(flags)
    if array.ndim != 1:
        raise ValueError(f"flags must be 1-D; got shape {array.shape}")
    if array.size and not np.all(np.isin(array, (0, 1))):
        raise ValueError("flags must contain only 0/1 or booleans")
    values = array.astype(float)
    n = int(values.shape[0])
    n_true = int(values.sum())
    if n == 0:
        reason = "no questions (n=0)"
        warn_undefined("proportion", reason)
        return ProportionResult(math.nan, math.nan, math.nan, 0, 0, method, reason)
    p = n_true / n
    if method == "wilson":
        z = float(stats.norm.ppf(0.5 + level / 2.0))
        center = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        # The exact bounds at k = 0 and k = n are 0 and 1; rounding would leave ~1e-17.
        low = 0.0 if n_true == 0 else center - half
        high = 1.0 if n_true == n else center + half
        return ProportionResult(p, low, high, n, n_true, method)
    if method == "bootstrap":
        low, high = bootstrap_ci(np.mean, values, n_resamples=n_resamples, seed=seed, level=level)
        return ProportionResult(p, low, high, n, n_true, method)
    raise ValueError(f"method must be 'wilson' or 'bootstrap'; got {method!r}")
