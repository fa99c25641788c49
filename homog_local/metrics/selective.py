r"""Selective prediction: risk-coverage curve, AURC, PRR and accuracy at coverage.

Answers are kept from the most certain (lowest score) to the least certain.
Tied scores cannot be separated by a threshold, so every quantity here is the
expectation over a uniformly random order inside each tie group.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from homog_local.metrics._checks import as_labels, as_scores, warn_undefined

__all__ = [
    "DEFAULT_COVERAGES",
    "AccuracyAtCoverage",
    "PrrResult",
    "RiskCoverage",
    "accuracy_at_coverage",
    "aurc",
    "prediction_rejection_ratio",
    "risk_coverage_curve",
]

log = logging.getLogger(__name__)

#: Coverages reported by default: 100 %, 90 %, ..., 10 %.
DEFAULT_COVERAGES: tuple[float, ...] = tuple(round(1.0 - 0.1 * i, 1) for i in range(10))


@dataclass(frozen=True)
class RiskCoverage:
    """Risk (error rate among kept answers) at each number of kept answers.

    Attributes
    ----------
    coverage : numpy.ndarray, shape (n,)
        ``k / n`` for ``k = 1 .. n``.
    risk : numpy.ndarray, shape (n,)
        Expected share of incorrect answers among the ``k`` most certain ones.
    """

    coverage: np.ndarray
    risk: np.ndarray


@dataclass(frozen=True)
class AccuracyAtCoverage:
    """Accuracy of the most certain answers at one coverage.

    Attributes
    ----------
    coverage : float
        Requested share of answers kept.
    n_kept : int
        ``ceil(coverage * n)`` answers kept.
    accuracy : float
        Expected share of correct answers among them; NaN when ``n_kept`` is 0.
    """

    coverage: float
    n_kept: int
    accuracy: float


@dataclass(frozen=True)
class PrrResult:
    """Prediction rejection ratio.

    Attributes
    ----------
    value : float
        PRR; 1 for the oracle order, 0 for a random order; NaN when undefined.
    aurc : float
        AURC of the score.
    aurc_random, aurc_oracle : float
        AURC of a random order and of the oracle order.
    n_positive, n_negative : int
        Incorrect and correct answers.
    undefined_reason : str
        Why ``value`` is NaN; empty otherwise.
    """

    value: float
    aurc: float
    aurc_random: float
    aurc_oracle: float
    n_positive: int
    n_negative: int
    undefined_reason: str = ""


def _expected_cumulative_errors(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Return expected errors among the k lowest scores, ties in random order."""
    order = np.argsort(scores, kind="stable")
    sorted_scores = scores[order]
    sorted_labels = labels[order].astype(float)
    n = scores.shape[0]
    group_start = np.r_[0, np.flatnonzero(np.diff(sorted_scores)) + 1]
    group_end = np.r_[group_start[1:], n]
    errors_before = np.r_[0.0, np.cumsum(sorted_labels)][group_start]
    group_errors = np.add.reduceat(sorted_labels, group_start)
    group_size = group_end - group_start
    group_of = np.repeat(np.arange(group_start.shape[0]), group_size)
    position_in_group = np.arange(n) - group_start[group_of] + 1
    return (
        errors_before[group_of] + group_errors[group_of] * position_in_group / group_size[group_of]
    )


def risk_coverage_curve(scores: ArrayLike, is_incorrect: ArrayLike) -> RiskCoverage:
    """Compute the risk-coverage curve of an uncertainty score.

    Parameters
    ----------
    scores : array-like of float, shape (n,)
        Uncertainty per question (higher = less certain).
    is_incorrect : array-like of {0, 1}, shape (n,)
        1 when the answer is incorrect.

    Returns
    -------
    RiskCoverage
        Empty arrays for empty input.

    Notes
    -----
    With answers sorted by increasing score, :math:`r_k = E_k / k` where
    :math:`E_k` is the expected number of errors among the first :math:`k`
    answers when ties are ordered at random.
    """
    values = as_scores(scores)
    labels = as_labels(is_incorrect, values.shape[0])
    n = values.shape[0]
    if n == 0:
        return RiskCoverage(np.empty(0), np.empty(0))
    kept = np.arange(1, n + 1)
    return RiskCoverage(kept / n, _expected_cumulative_errors(values, labels) / kept)


def aurc(scores: ArrayLike, is_incorrect: ArrayLike) -> float:
    r"""Compute the area under the risk-coverage curve (lower is better).

    Parameters
    ----------
    scores : array-like of float, shape (n,)
        Uncertainty per question.
    is_incorrect : array-like of {0, 1}, shape (n,)
        1 when the answer is incorrect.

    Returns
    -------
    float
        :math:`\mathrm{AURC} = \frac1n \sum_{k=1}^n r_k`; NaN for empty input.

    Warns
    -----
    UndefinedMetricWarning
        When the input is empty.

    References
    ----------
    Geifman, Uziel and El-Yaniv, "Bias-Reduced Uncertainty Estimation for Deep
    Neural Classifiers", ICLR 2019.
    """
    curve = risk_coverage_curve(scores, is_incorrect)
    if curve.risk.shape[0] == 0:
        warn_undefined("AURC", "no questions (n=0)")
        return math.nan
    return float(curve.risk.mean())


def _oracle_aurc(n_positive: int, n: int) -> float:
    kept = np.arange(1, n + 1)
    errors = np.maximum(0, kept - (n - n_positive))
    return float((errors / kept).mean())


def prediction_rejection_ratio(scores: ArrayLike, is_incorrect: ArrayLike) -> PrrResult:
    r"""Compute the prediction rejection ratio (PRR) of an uncertainty score.

    Parameters
    ----------
    scores : array-like of float, shape (n,)
        Uncertainty per question.
    is_incorrect : array-like of {0, 1}, shape (n,)
        1 when the answer is incorrect.

    Returns
    -------
    PrrResult

    Warns
    -----
    UndefinedMetricWarning
        When one class is missing (the oracle and random orders coincide).

    Notes
    -----
    .. math:: \mathrm{PRR} = \frac{A_{\mathrm{rand}} - A}{A_{\mathrm{rand}} - A_{\mathrm{orc}}}

    with :math:`A` the AURC of the score.

    :math:`A_{\mathrm{rand}}` is the error rate and the oracle
    rejects every incorrect answer first. This is the rejection-curve ratio of
    Malinin and Gales written with risk instead of accuracy; it can be negative.

    References
    ----------
    Malinin and Gales, "Uncertainty Estimation in Autoregressive Structured
    Prediction", ICLR 2021.
    """
    values = as_scores(scores)
    labels = as_labels(is_incorrect, values.shape[0])
    n = int(values.shape[0])
    n_positive = int(labels.sum())
    n_negative = n - n_positive
    if n_positive == 0 or n_negative == 0:
        reason = f"needs both classes (n+={n_positive}, n-={n_negative})"
        warn_undefined("PRR", reason)
        score_aurc = float(np.mean(labels)) if n else math.nan
        return PrrResult(
            math.nan, score_aurc, score_aurc, score_aurc, n_positive, n_negative, reason
        )
    score_aurc = aurc(values, labels)
    random_aurc = n_positive / n
    oracle_aurc = _oracle_aurc(n_positive, n)
    value = (random_aurc - score_aurc) / (random_aurc - oracle_aurc)
    return PrrResult(value, score_aurc, random_aurc, oracle_aurc, n_positive, n_negative)


def accuracy_at_coverage(
    scores: ArrayLike,
    is_incorrect: ArrayLike,
    coverages: Sequence[float] = DEFAULT_COVERAGES,
) -> list[AccuracyAtCoverage]:
    r"""Compute the accuracy of the most certain answers at several coverages.

    Parameters
    ----------
    scores : array-like of float, shape (n,)
        Uncertainty per question.
    is_incorrect : array-like of {0, 1}, shape (n,)
        1 when the answer is incorrect.
    coverages : sequence of float, default 1.0, 0.9, ..., 0.1
        Shares of answers to keep, each in (0, 1].

    Returns
    -------
    list of AccuracyAtCoverage
        One entry per coverage, in the given order.

    Warns
    -----
    UndefinedMetricWarning
        When the input is empty (every accuracy is NaN).

    Notes
    -----
    At coverage :math:`c` the :math:`k = \lceil c n \rceil` lowest-score answers
    are kept and the accuracy is :math:`1 - E_k / k` (ties ordered at random).
    """
    for coverage in coverages:
        if not 0.0 < coverage <= 1.0:
            raise ValueError(f"coverages must be in (0, 1]; got {coverage!r}")
    values = as_scores(scores)
    labels = as_labels(is_incorrect, values.shape[0])
    n = values.shape[0]
    if n == 0:
        warn_undefined("accuracy at coverage", "no questions (n=0)")
        return [AccuracyAtCoverage(float(c), 0, math.nan) for c in coverages]
    errors = _expected_cumulative_errors(values, labels)
    rows = []
    for coverage in coverages:
        # Round first so 0.3 * 10 counts as 3, not 4.
        n_kept = max(1, math.ceil(round(coverage * n, 9)))
        rows.append(AccuracyAtCoverage(float(coverage), n_kept, 1.0 - errors[n_kept - 1] / n_kept))
    return rows
