r"""Paper-compatible AUROC and bootstrap variants that reproduce published figures.

The released results of "The Alignment Tax" (arXiv 2603.24124, data and result
files of the public repository DigitLion/ucbd-experiment) were computed with
plain Python floats and two different bootstraps. These functions follow the
same evaluation order so the published numbers come out exactly. Use the
functions in :mod:`homog_local.metrics.auroc` for new analyses.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from homog_local.metrics._checks import as_labels, warn_undefined
from homog_local.metrics.auroc import auroc_for_indices

__all__ = [
    "PaperInterval",
    "minmax_normalize_floats",
    "numpy_legacy_bootstrap_ci",
    "order_statistic_interval",
    "python_random_bootstrap_ci",
    "python_random_indices",
    "trapezoid_auroc",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PaperInterval:
    """A bootstrap interval computed the way a published figure was.

    Attributes
    ----------
    ci_low, ci_high : float
        Bounds; NaN when no resample contained both classes.
    n_resamples : int
        Resamples drawn.
    n_kept : int
        Resamples with both classes (the others are skipped).
    method : str
        Which published procedure produced the bounds.
    """

    ci_low: float
    ci_high: float
    n_resamples: int
    n_kept: int
    method: str


def minmax_normalize_floats(values: Sequence[float]) -> list[float]:
    """Map values to [0, 1] by ``(x - min) / (max - min)`` in Python floats.

    Constant input maps to zeros.
    """
    low, high = min(values), max(values)
    if high == low:
        return [0.0 for _ in values]
    return [(x - low) / (high - low) for x in values]


def trapezoid_auroc(scores: Sequence[float], is_incorrect: Sequence[int]) -> float:
    r"""Compute the AUROC as the trapezoid over distinct score values, in Python floats.

    Parameters
    ----------
    scores : sequence of float
        Uncertainty per question.
    is_incorrect : sequence of {0, 1}
        1 when the answer is incorrect; both classes must be present.

    Returns
    -------
    float
        AUROC; NaN (with a warning) when a class is missing.

    Notes
    -----
    Thresholds go from the highest distinct score down. At each threshold the
    point :math:`(\mathrm{FP}/N, \mathrm{TP}/P)` is added and the area grows by
    :math:`(x_1 - x_0)(y_1 + y_0)/2`. The exact value equals the Mann-Whitney
    AUROC, but the last bits depend on this summation order, and the published
    choice between two exactly tied weights depends on those bits.
    """
    labels = as_labels(list(is_incorrect)).tolist()
    n_positive = sum(labels)
    n_negative = len(labels) - n_positive
    if n_positive == 0 or n_negative == 0:
        warn_undefined("AUROC", f"needs both classes (n+={n_positive}, n-={n_negative})")
        return math.nan
    pairs = sorted(zip(scores, labels, strict=True), key=lambda pair: -pair[0])
    true_positives = false_positives = 0
    x_prev = y_prev = 0.0
    area = 0.0
    i = 0
    while i < len(pairs):
        threshold = pairs[i][0]
        while i < len(pairs) and pairs[i][0] == threshold:
            if pairs[i][1]:
                true_positives += 1
            else:
                false_positives += 1
            i += 1
        x = false_positives / n_negative
        y = true_positives / n_positive
        area += (x - x_prev) * (y + y_prev) / 2
        x_prev, y_prev = x, y
    return area


def python_random_bootstrap_ci(
    scores: Sequence[float],
    is_incorrect: Sequence[int],
    *,
    n_resamples: int = 2000,
    seed: int = 42,
    level: float = 0.95,
) -> PaperInterval:
    """Bootstrap an AUROC CI with ``random.Random`` draws and order-statistic bounds.

    Parameters
    ----------
    scores : sequence of float
        Uncertainty per question.
    is_incorrect : sequence of {0, 1}
        1 when the answer is incorrect.
    n_resamples : int, default 2000
        Resamples drawn.
    seed : int, default 42
        Seed of a fresh ``random.Random`` (one per call).
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    PaperInterval

    Notes
    -----
    Each resample draws ``n`` indices with ``rng.randint(0, n - 1)``.
    Resamples with one class are skipped. With the ``k`` kept AUROCs sorted,
    the bounds are those at positions ``int(0.025 * k)`` and ``int(0.975 * k)``
    (for ``level=0.95``), without interpolation. This reproduces the CIs of the
    cascade report of arXiv 2603.24124.
    """
    labels = as_labels(list(is_incorrect))
    indices = python_random_indices(labels.shape[0], n_resamples, seed)
    return order_statistic_interval(auroc_for_indices(scores, labels, indices), level, seed)


def python_random_indices(n: int, n_resamples: int, seed: int) -> np.ndarray:
    """Draw resample indices with a fresh ``random.Random(seed)``, ``randint(0, n - 1)`` each.

    Returns
    -------
    numpy.ndarray of int64, shape (n_resamples, n)
    """
    rng = random.Random(seed)
    return np.array(
        [[rng.randint(0, n - 1) for _ in range(n)] for _ in range(n_resamples)], dtype=np.int64
    )


def order_statistic_interval(values: np.ndarray, level: float, seed: int) -> PaperInterval:
    """Return the bounds at sorted positions ``int(tail * k)`` and ``int((1 - tail) * k)``.

    NaN entries (one-class resamples) are skipped; ``k`` counts the others.
    """
    kept = np.sort(values[~np.isnan(values)])
    k = int(kept.shape[0])
    method = f"random.Random({seed}), {values.shape[0]} resamples, order statistics"
    if k == 0:
        warn_undefined("AUROC CI", "no resample contains both classes")
        return PaperInterval(math.nan, math.nan, int(values.shape[0]), 0, method)
    tail = (1.0 - level) / 2.0
    low, high = kept[int(tail * k)], kept[int((1.0 - tail) * k)]
    return PaperInterval(float(low), float(high), int(values.shape[0]), k, method)


def numpy_legacy_bootstrap_ci(
    scores: Sequence[float],
    is_incorrect: Sequence[int],
    *,
    n_resamples: int = 10_000,
    seed: int = 42,
    level: float = 0.95,
) -> PaperInterval:
    """Bootstrap an AUROC CI with ``numpy.random.RandomState`` and ``np.percentile``.

    Parameters
    ----------
    scores : sequence of float
        Uncertainty per question.
    is_incorrect : sequence of {0, 1}
        1 when the answer is incorrect.
    n_resamples : int, default 10_000
        Resamples drawn.
    seed : int, default 42
        Seed of a fresh ``RandomState`` (one per call, i.e. per signal).
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    PaperInterval

    Notes
    -----
    Each resample is ``rs.randint(0, n, n)``; resamples with one class are
    skipped; the bounds are ``np.percentile`` (linear interpolation) at 2.5 and
    97.5. This reproduces the stored CIs of the 200-question head-to-head
    experiment (``exp27_sindex_headtohead.json``) of arXiv 2603.24124.
    """
    labels = as_labels(list(is_incorrect))
    n = labels.shape[0]
    # A single (B, n) draw yields the same stream as B draws of n.
    indices = np.random.RandomState(seed).randint(0, n, size=(n_resamples, n))
    values = auroc_for_indices(scores, labels, indices)
    kept = values[~np.isnan(values)]
    method = f"numpy RandomState({seed}), {n_resamples} resamples, np.percentile"
    if kept.shape[0] == 0:
        warn_undefined("AUROC CI", "no resample contains both classes")
        return PaperInterval(math.nan, math.nan, n_resamples, 0, method)
    tail = 100.0 * (1.0 - level) / 2.0
    low, high = np.percentile(kept, [tail, 100.0 - tail])
    return PaperInterval(float(low), float(high), n_resamples, int(kept.shape[0]), method)
