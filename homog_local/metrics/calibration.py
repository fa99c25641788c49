r"""Calibration of an uncertainty score as a probability of error: Platt scaling, ECE, Brier.

A raw uncertainty score is not a probability, so ECE and Brier are computed
after Platt scaling fitted on a calibration split and evaluated on the rest.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special

from homog_local.metrics._checks import as_labels, as_scores, warn_undefined

__all__ = [
    "CalibrationResult",
    "PlattModel",
    "brier_score",
    "calibrated_error",
    "expected_calibration_error",
    "fit_platt",
    "stratified_split",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlattModel:
    r"""Logistic map from score to probability of an incorrect answer.

    Attributes
    ----------
    slope, intercept : float
        :math:`P(\text{incorrect} \mid s) = \sigma(\text{slope} \cdot s + \text{intercept})`.
    """

    slope: float
    intercept: float

    def predict(self, scores: ArrayLike) -> np.ndarray:
        """Return the probability of an incorrect answer for each score."""
        return special.expit(self.slope * np.asarray(scores, dtype=float) + self.intercept)


@dataclass(frozen=True)
class CalibrationResult:
    """ECE and Brier score of a Platt-scaled score on a held-out split.

    Attributes
    ----------
    ece, brier : float
        On the evaluation split; NaN when undefined.
    model : PlattModel or None
        The fitted map; None when the fit was undefined.
    n_calibration, n_evaluation : int
        Split sizes.
    undefined_reason : str
        Why the values are NaN; empty otherwise.
    """

    ece: float
    brier: float
    model: PlattModel | None
    n_calibration: int
    n_evaluation: int
    undefined_reason: str = ""


def fit_platt(scores: ArrayLike, is_incorrect: ArrayLike) -> PlattModel:
    r"""Fit Platt scaling by maximum likelihood.

    Parameters
    ----------
    scores : array-like of float, shape (n,)
        Uncertainty per question.
    is_incorrect : array-like of {0, 1}, shape (n,)
        1 when the answer is incorrect; both classes must be present.

    Returns
    -------
    PlattModel

    Raises
    ------
    ValueError
        If one class is missing (the likelihood has no finite maximum).

    Notes
    -----
    Minimises the mean log loss of :math:`\sigma(a s + b)` with L-BFGS on
    standardised scores, then maps back to the raw scale. Constant scores give
    slope 0 and the intercept of the base rate. Separable data drive the slope
    to the optimiser's stopping point rather than to infinity.
    """
    values = as_scores(scores)
    labels = as_labels(is_incorrect, values.shape[0]).astype(float)
    n_positive = int(labels.sum())
    if n_positive in (0, labels.shape[0]):
        raise ValueError(
            f"Platt scaling needs both classes; got n+={n_positive}, "
            f"n-={labels.shape[0] - n_positive}"
        )
    center = values.mean()
    spread = values.std() or 1.0
    z = (values - center) / spread

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        logits = params[0] * z + params[1]
        value = np.mean(np.logaddexp(0.0, logits) - labels * logits)
        residual = special.expit(logits) - labels
        return float(value), np.array([np.mean(residual * z), np.mean(residual)])

    base = math.log(n_positive / (labels.shape[0] - n_positive))
    fit = optimize.minimize(loss, np.array([0.0, base]), jac=True, method="L-BFGS-B")
    slope = float(fit.x[0] / spread)
    return PlattModel(slope, float(fit.x[1] - slope * center))


def expected_calibration_error(
    probabilities: ArrayLike, is_incorrect: ArrayLike, n_bins: int = 10
) -> float:
    r"""Compute the expected calibration error with equal-width bins.

    Parameters
    ----------
    probabilities : array-like of float in [0, 1], shape (n,)
        Predicted probability that the answer is incorrect.
    is_incorrect : array-like of {0, 1}, shape (n,)
        1 when the answer is incorrect.
    n_bins : int, default 10
        Number of bins over [0, 1]; the last bin includes 1.

    Returns
    -------
    float
        ECE in [0, 1]; NaN for empty input.

    Notes
    -----
    .. math:: \mathrm{ECE} = \sum_b \frac{|B_b|}{n} \left| \bar y_b - \bar p_b \right|
    """
    p = as_scores(probabilities, "probabilities")
    labels = as_labels(is_incorrect, p.shape[0])
    if p.shape[0] == 0:
        warn_undefined("ECE", "no questions (n=0)")
        return math.nan
    if np.any((p < 0) | (p > 1)):
        raise ValueError("probabilities must lie in [0, 1]; apply Platt scaling to raw scores")
    bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
    counts = np.bincount(bins, minlength=n_bins)
    gap = np.bincount(bins, weights=labels - p, minlength=n_bins)
    return float(np.abs(gap).sum() / p.shape[0]) if counts.sum() else math.nan


def brier_score(probabilities: ArrayLike, is_incorrect: ArrayLike) -> float:
    r"""Compute the Brier score :math:`\frac1n \sum (p_i - y_i)^2` (lower is better).

    Parameters
    ----------
    probabilities : array-like of float in [0, 1], shape (n,)
        Predicted probability that the answer is incorrect.
    is_incorrect : array-like of {0, 1}, shape (n,)
        1 when the answer is incorrect.

    Returns
    -------
    float
        NaN for empty input.
    """
    p = as_scores(probabilities, "probabilities")
    labels = as_labels(is_incorrect, p.shape[0])
    if p.shape[0] == 0:
        warn_undefined("Brier score", "no questions (n=0)")
        return math.nan
    return float(np.mean((p - labels) ** 2))


def stratified_split(
    is_incorrect: ArrayLike, calibration_fraction: float = 0.5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Split question indices into calibration and evaluation sets per class.

    Parameters
    ----------
    is_incorrect : array-like of {0, 1}, shape (n,)
        Labels; each class is split in the same proportion.
    calibration_fraction : float, default 0.5
        Share of each class in the calibration split, in (0, 1).
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    tuple of numpy.ndarray
        Sorted calibration indices and sorted evaluation indices.
    """
    if not 0.0 < calibration_fraction < 1.0:
        raise ValueError(f"calibration_fraction must be in (0, 1); got {calibration_fraction!r}")
    labels = as_labels(is_incorrect)
    rng = np.random.default_rng(seed)
    calibration = []
    for value in (0, 1):
        members = rng.permutation(np.flatnonzero(labels == value))
        calibration.append(members[: round(calibration_fraction * members.shape[0])])
    chosen = np.sort(np.concatenate(calibration))
    rest = np.setdiff1d(np.arange(labels.shape[0]), chosen)
    return chosen, rest


def calibrated_error(
    scores: ArrayLike,
    is_incorrect: ArrayLike,
    *,
    calibration_fraction: float = 0.5,
    seed: int = 0,
    n_bins: int = 10,
) -> CalibrationResult:
    """Fit Platt scaling on a calibration split and report ECE and Brier on the rest.

    Parameters
    ----------
    scores : array-like of float, shape (n,)
        Uncertainty per question.
    is_incorrect : array-like of {0, 1}, shape (n,)
        1 when the answer is incorrect.
    calibration_fraction : float, default 0.5
        Share of each class used to fit the map.
    seed : int, default 0
        Seed of the stratified split.
    n_bins : int, default 10
        ECE bins.

    Returns
    -------
    CalibrationResult

    Warns
    -----
    UndefinedMetricWarning
        When the calibration split lacks a class or the evaluation split is empty.
    """
    values = as_scores(scores)
    labels = as_labels(is_incorrect, values.shape[0])
    fit_idx, eval_idx = stratified_split(labels, calibration_fraction, seed)
    n_fit, n_eval = int(fit_idx.shape[0]), int(eval_idx.shape[0])
    n_fit_positive = int(labels[fit_idx].sum())
    if n_fit_positive in (0, n_fit) or n_eval == 0:
        reason = (
            f"calibration split needs both classes and a non-empty evaluation split "
            f"(calibration n+={n_fit_positive}, n-={n_fit - n_fit_positive}; evaluation n={n_eval})"
        )
        warn_undefined("calibration", reason)
        return CalibrationResult(math.nan, math.nan, None, n_fit, n_eval, reason)
    model = fit_platt(values[fit_idx], labels[fit_idx])
    p = model.predict(values[eval_idx])
    return CalibrationResult(
        expected_calibration_error(p, labels[eval_idx], n_bins),
        brier_score(p, labels[eval_idx]),
        model,
        n_fit,
        n_eval,
    )
