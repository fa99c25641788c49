r"""Paired comparisons of two runs or two scores on the same questions.

Paired bootstrap CIs of a difference, the Wilcoxon signed-rank test for
per-question values and McNemar's exact test for per-question correctness.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from homog_local.metrics._checks import (
    as_labels,
    as_scores,
    check_level,
    check_resamples,
    warn_undefined,
)
from homog_local.metrics.auroc import MIN_VALID_FRACTION, auroc, auroc_resamples
from homog_local.metrics.bootstrap import bootstrap_ci, percentile_bounds

__all__ = [
    "PairedDifference",
    "TestResult",
    "mcnemar_exact",
    "paired_auroc_difference",
    "paired_mean_difference",
    "wilcoxon_signed_rank",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PairedDifference:
    """A difference ``a - b`` with a paired percentile bootstrap CI.

    Attributes
    ----------
    value : float
        Point estimate of the difference; NaN when undefined.
    ci_low, ci_high : float
        Bootstrap bounds; NaN when undefined.
    n : int
        Number of paired questions.
    n_resamples, n_skipped : int
        Resamples drawn and resamples skipped (statistic undefined).
    undefined_reason : str
        Why a value is NaN; empty otherwise.
    """

    value: float
    ci_low: float
    ci_high: float
    n: int
    n_resamples: int
    n_skipped: int = 0
    undefined_reason: str = ""


@dataclass(frozen=True)
class TestResult:
    """A two-sided hypothesis test on paired data.

    Attributes
    ----------
    statistic : float
        Test statistic (see the producing function); NaN when undefined.
    p_value : float
        Two-sided p-value; NaN when undefined.
    n : int
        Pairs that enter the test (non-zero differences or discordant pairs).
    n_total : int
        Pairs given.
    undefined_reason : str
        Why the test is undefined; empty otherwise.
    """

    __test__ = False  # not a pytest test class despite the name

    statistic: float
    p_value: float
    n: int
    n_total: int
    undefined_reason: str = ""


def _paired_pair(a: ArrayLike, b: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    first = as_scores(a, "a")
    second = as_scores(b, "b")
    if first.shape != second.shape:
        raise ValueError(
            f"paired inputs differ in length: {first.shape[0]} vs {second.shape[0]}; "
            "pass the same questions in the same order"
        )
    return first, second


def paired_auroc_difference(
    scores_a: ArrayLike,
    scores_b: ArrayLike,
    is_incorrect: ArrayLike,
    *,
    n_resamples: int = 10_000,
    seed: int = 0,
    level: float = 0.95,
) -> PairedDifference:
    """Compute AUROC(a) - AUROC(b) with a paired bootstrap CI.

    Parameters
    ----------
    scores_a, scores_b : array-like of float, shape (n,)
        Two uncertainty scores of the same questions.
    is_incorrect : array-like of {0, 1}, shape (n,)
        1 when the answer is incorrect.
    n_resamples, seed, level
        As in :func:`homog_local.metrics.auroc.auroc_with_ci`.

    Returns
    -------
    PairedDifference

    Warns
    -----
    UndefinedMetricWarning
        When one class is missing or too few resamples contain both classes.

    Notes
    -----
    Both scores are evaluated on the same resampled questions, so the CI
    accounts for their correlation.
    """
    check_level(level)
    check_resamples(n_resamples)
    first, second = _paired_pair(scores_a, scores_b)
    labels = as_labels(is_incorrect, first.shape[0])
    n = int(first.shape[0])
    n_positive = int(labels.sum())
    if n_positive in (0, n):
        reason = f"needs both classes (n+={n_positive}, n-={n - n_positive})"
        warn_undefined("AUROC difference", reason)
        return PairedDifference(math.nan, math.nan, math.nan, n, n_resamples, 0, reason)
    value = auroc(first, labels) - auroc(second, labels)
    samples = auroc_resamples(
        np.vstack([first, second]), labels, n_resamples=n_resamples, seed=seed
    )
    differences = samples[0] - samples[1]
    kept = differences[~np.isnan(differences)]
    n_skipped = n_resamples - int(kept.shape[0])
    if kept.shape[0] < max(2, math.ceil(MIN_VALID_FRACTION * n_resamples)):
        reason = (
            f"CI undefined: only {kept.shape[0]} of {n_resamples} resamples contain both classes"
        )
        warn_undefined("AUROC difference CI", reason)
        return PairedDifference(value, math.nan, math.nan, n, n_resamples, n_skipped, reason)
    low, high = percentile_bounds(kept, level)
    return PairedDifference(value, low, high, n, n_resamples, n_skipped)


def paired_mean_difference(
    a: ArrayLike,
    b: ArrayLike,
    *,
    n_resamples: int = 10_000,
    seed: int = 0,
    level: float = 0.95,
) -> PairedDifference:
    """Compute mean(a - b) over paired questions with a bootstrap CI.

    Parameters
    ----------
    a, b : array-like of float, shape (n,)
        Per-question values of two runs (same questions, same order).
    n_resamples, seed, level
        As in :func:`homog_local.metrics.bootstrap.bootstrap_ci`.

    Returns
    -------
    PairedDifference

    Warns
    -----
    UndefinedMetricWarning
        When there are no pairs.
    """
    first, second = _paired_pair(a, b)
    n = int(first.shape[0])
    if n == 0:
        reason = "no paired questions (n=0)"
        warn_undefined("paired mean difference", reason)
        return PairedDifference(math.nan, math.nan, math.nan, 0, n_resamples, 0, reason)
    differences = first - second
    low, high = bootstrap_ci(np.mean, differences, n_resamples=n_resamples, seed=seed, level=level)
    return PairedDifference(float(differences.mean()), low, high, n, n_resamples)


def wilcoxon_signed_rank(a: ArrayLike, b: ArrayLike) -> TestResult:
    """Run the two-sided Wilcoxon signed-rank test of ``a - b``.

    Parameters
    ----------
    a, b : array-like of float, shape (n,)
        Paired per-question values.

    Returns
    -------
    TestResult
        ``statistic`` is scipy's W (the smaller rank sum); ``n`` counts the
        non-zero differences.

    Warns
    -----
    UndefinedMetricWarning
        When every difference is zero (or there are no pairs).

    Notes
    -----
    Wraps :func:`scipy.stats.wilcoxon` with ``zero_method="wilcox"``: zero
    differences are dropped before ranking.
    """
    first, second = _paired_pair(a, b)
    differences = first - second
    n_total = int(differences.shape[0])
    n_nonzero = int(np.count_nonzero(differences))
    if n_nonzero == 0:
        reason = f"every difference is zero (n={n_total})"
        warn_undefined("Wilcoxon signed-rank test", reason)
        return TestResult(math.nan, math.nan, 0, n_total, reason)
    result = stats.wilcoxon(differences, zero_method="wilcox", alternative="two-sided")
    return TestResult(float(result.statistic), float(result.pvalue), n_nonzero, n_total)


def mcnemar_exact(correct_a: ArrayLike, correct_b: ArrayLike) -> TestResult:
    r"""Run McNemar's exact test on paired correctness of two runs.

    Parameters
    ----------
    correct_a, correct_b : array-like of {0, 1} or bool, shape (n,)
        1 when the run answered the question correctly.

    Returns
    -------
    TestResult
        ``statistic`` is the number of questions only run ``a`` got right;
        ``n`` is the number of discordant questions.

    Warns
    -----
    UndefinedMetricWarning
        When no question is discordant.

    Notes
    -----
    Under the null hypothesis the :math:`b` questions that only ``a`` got right
    follow :math:`\mathrm{Binomial}(b + c, 1/2)`; the p-value is the two-sided
    exact binomial test (:func:`scipy.stats.binomtest`).
    """
    first = as_labels(correct_a, name="correct_a")
    second = as_labels(correct_b, first.shape[0], name="correct_b")
    only_a = int(np.sum((first == 1) & (second == 0)))
    only_b = int(np.sum((first == 0) & (second == 1)))
    n_total = int(first.shape[0])
    discordant = only_a + only_b
    if discordant == 0:
        reason = f"no discordant questions (n={n_total})"
        warn_undefined("McNemar test", reason)
        return TestResult(math.nan, math.nan, 0, n_total, reason)
    p_value = stats.binomtest(only_a, discordant, 0.5).pvalue
    return TestResult(float(only_a), float(p_value), discordant, n_total)
