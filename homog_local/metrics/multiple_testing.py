r"""Benjamini-Hochberg control of the false discovery rate over many tests."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["FdrResult", "benjamini_hochberg"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FdrResult:
    """Benjamini-Hochberg adjusted p-values and decisions.

    Attributes
    ----------
    adjusted : numpy.ndarray
        Adjusted p-values in input order; NaN where the input was NaN.
    rejected : numpy.ndarray of bool
        True where the null hypothesis is rejected at ``alpha``.
    alpha : float
        Target false discovery rate.
    n_tests : int
        Number of finite p-values (the ``m`` of the procedure).
    n_missing : int
        NaN p-values, excluded from ``m`` and never rejected.
    """

    adjusted: np.ndarray
    rejected: np.ndarray
    alpha: float
    n_tests: int
    n_missing: int


def benjamini_hochberg(p_values: ArrayLike, alpha: float = 0.05) -> FdrResult:
    r"""Adjust p-values with the Benjamini-Hochberg step-up procedure.

    Parameters
    ----------
    p_values : array-like of float in [0, 1], shape (k,)
        One p-value per test; NaN marks an undefined test.
    alpha : float, default 0.05
        Target false discovery rate.

    Returns
    -------
    FdrResult

    Notes
    -----
    With the :math:`m` finite p-values sorted, :math:`p_{(1)} \le \dots \le p_{(m)}`,

    .. math:: \tilde p_{(i)} = \min_{j \ge i} \min\left(1, \frac{m}{j} p_{(j)}\right)

    and a test is rejected when :math:`\tilde p \le \alpha`. Undefined tests
    (NaN) are reported but not counted, which keeps the others' adjustment
    honest only if they were not dropped for being unpromising.

    References
    ----------
    Benjamini and Hochberg, J. R. Statist. Soc. B 57 (1995) 289-300.
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1); got {alpha!r}")
    p = np.asarray(p_values, dtype=float)
    if p.ndim != 1:
        raise ValueError(f"p_values must be 1-D; got shape {p.shape}")
    finite = ~np.isnan(p)
    if np.any((p[finite] < 0) | (p[finite] > 1)):
        raise ValueError("p_values must lie in [0, 1]")
    adjusted = np.full(p.shape, np.nan)
    values = p[finite]
    m = int(values.shape[0])
    if m:
        order = np.argsort(values)
        scaled = values[order] * m / np.arange(1, m + 1)
        monotone = np.minimum.accumulate(scaled[::-1])[::-1]
        result = np.empty(m)
        result[order] = np.minimum(monotone, 1.0)
        adjusted[finite] = result
    rejected = np.zeros(p.shape, dtype=bool)
    rejected[finite] = adjusted[finite] <= alpha
    return FdrResult(adjusted, rejected, alpha, m, int((~finite).sum()))
