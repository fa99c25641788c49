"""Normalisation, escalation rules and score combination of a two-stage cascade."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "EscalationRule",
    "MinMaxNormalizer",
    "RuleKind",
    "cascade_scores",
    "median_band_rule",
    "relative_cost",
    "threshold_rule",
]

log = logging.getLogger(__name__)


class RuleKind(StrEnum):
    """How the cascade decides that the cheap score is unsure."""

    MEDIAN_BAND = "median_band"
    THRESHOLD = "threshold"


@dataclass(frozen=True)
class MinMaxNormalizer:
    """Min-max map ``(x - low) / (high - low)`` fitted on a reference set.

    Attributes
    ----------
    low, high : float
        Minimum and maximum of the fit set. Values outside it map outside
        [0, 1]; the map stays monotone, so AUROCs are unchanged.
    """

    low: float
    high: float

    @classmethod
    def fit(cls, values: ArrayLike) -> MinMaxNormalizer:
        """Fit the map on ``values`` (finite, non-empty)."""
        array = np.asarray(values, dtype=float)
        if array.size == 0:
            raise ValueError("cannot fit a min-max normaliser on no values")
        return cls(float(array.min()), float(array.max()))

    def transform(self, values: ArrayLike) -> np.ndarray:
        """Return the normalised values; a constant fit set maps to zeros."""
        array = np.asarray(values, dtype=float)
        if self.high == self.low:
            return np.zeros_like(array)
        return (array - self.low) / (self.high - self.low)


@dataclass(frozen=True)
class EscalationRule:
    """When to escalate a question to the costly stage.

    Attributes
    ----------
    kind : RuleKind
        ``MEDIAN_BAND``: escalate when ``|cheap - center| <= parameter``, i.e.
        the cheap score sits near its median, where it separates least.
        ``THRESHOLD``: escalate when ``cheap >= parameter``.
    parameter : float
        Band half-width or threshold, on the normalised cheap score.
    center : float
        Median of the normalised cheap score on the fit set (``MEDIAN_BAND``
        only; NaN otherwise).
    """

    kind: RuleKind
    parameter: float
    center: float = math.nan

    def escalate(self, cheap_normalized: ArrayLike) -> np.ndarray:
        """Return a boolean mask of the questions sent to the costly stage."""
        cheap = np.asarray(cheap_normalized, dtype=float)
        if self.kind is RuleKind.MEDIAN_BAND:
            return np.abs(cheap - self.center) <= self.parameter
        return cheap >= self.parameter


def median_band_rule(delta: float, cheap_normalized_fit: ArrayLike) -> EscalationRule:
    """Build a median-band rule whose center is the fit set's upper median.

    Parameters
    ----------
    delta : float
        Half-width of the band, on the normalised cheap score.
    cheap_normalized_fit : array-like of float
        Normalised cheap scores of the fit (calibration) set.

    Returns
    -------
    EscalationRule

    Notes
    -----
    The center is ``sorted(x)[n // 2]`` (the upper median for even ``n``), as
    in the UCBD cascade of arXiv 2603.24124.
    """
    values = np.sort(np.asarray(cheap_normalized_fit, dtype=float))
    if values.size == 0:
        raise ValueError("cannot fit a median-band rule on no questions")
    return EscalationRule(RuleKind.MEDIAN_BAND, float(delta), float(values[values.size // 2]))


def threshold_rule(threshold: float) -> EscalationRule:
    """Build a rule escalating every question whose normalised cheap score is >= ``threshold``."""
    return EscalationRule(RuleKind.THRESHOLD, float(threshold))


def cascade_scores(
    cheap_normalized: ArrayLike, costly_normalized: ArrayLike, escalate: ArrayLike, weight: float
) -> np.ndarray:
    r"""Combine the stages into one cascade score per question.

    Parameters
    ----------
    cheap_normalized, costly_normalized : array-like of float, shape (n,)
        Normalised stage scores (costly values of non-escalated questions are
        ignored and may be NaN).
    escalate : array-like of bool, shape (n,)
        Which questions went to the costly stage.
    weight : float
        Weight of the cheap score in the escalated combination, in [0, 1].

    Returns
    -------
    numpy.ndarray, shape (n,)

    Notes
    -----
    .. math:: s_i = \begin{cases} w c_i + (1 - w) e_i & \text{escalated} \\
                                  c_i & \text{otherwise} \end{cases}
    """
    cheap = np.asarray(cheap_normalized, dtype=float)
    costly = np.asarray(costly_normalized, dtype=float)
    mask = np.asarray(escalate, dtype=bool)
    combined = weight * cheap + (1.0 - weight) * np.where(mask, costly, 0.0)
    return np.where(mask, combined, cheap)


def relative_cost(escalation_rate: float, cost_cheap: float, cost_costly: float) -> float:
    r"""Return the cascade's cost per question relative to running both stages.

    Notes
    -----
    .. math:: \frac{c_{\text{cheap}} + r \, c_{\text{costly}}}{c_{\text{cheap}} + c_{\text{costly}}}

    With a free cheap stage this is the escalation rate :math:`r`.
    """
    total = cost_cheap + cost_costly
    if cost_cheap < 0 or cost_costly < 0 or total <= 0:
        raise ValueError(
            f"stage costs must be >= 0 with a positive sum; got cheap={cost_cheap!r}, "
            f"costly={cost_costly!r}"
        )
    return (cost_cheap + escalation_rate * cost_costly) / total
