"""AUROC of an uncertainty score for detecting incorrect answers, with bootstrap CIs."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from homog_local.metrics._checks import (
    as_labels,
    as_scores,
    check_level,
    check_resamples,
    warn_undefined,
)
from homog_local.metrics.bootstrap import percentile_bounds

__all__ = [
    "MIN_VALID_FRACTION",
    "AurocResult",
    "auroc",
    "auroc_for_indices",
    "auroc_resamples",
    "auroc_with_ci",
]

log = logging.getLogger(__name__)

#: A bootstrap CI is reported only when at least this share of the resamples
#: contained both classes; the others are skipped and counted.
MIN_VALID_FRACTION = 0.5

# Index matrices are drawn in chunks of at most this many entries (about 32 MB
# of int64) so memory stays bounded for large tables.
_CHUNK_ENTRIES = 4_000_000


@dataclass(frozen=True)
class AurocResult:
    """AUROC with a percentile bootstrap confidence interval.

    Attributes
    ----------
    value : float
        AUROC; NaN only together with a non-empty ``undefined_reason``.
    ci_low, ci_high : float
        Percentile bootstrap bounds; NaN when the CI is undefined.
    n_positive, n_negative : int
        Number of incorrect (positive) and correct (negative) answers.
    undefined_reason : str
        Why ``value`` or the CI is undefined; empty when both are defined.
    note : str
        Remark on a defined value, e.g. ``"constant scores"`` (AUROC exactly 0.5).
    n_resamples : int
        Bootstrap resamples drawn.
    n_skipped : int
        Resamples skipped because they contained one class only.
    """

    value: float
    ci_low: float
    ci_high: float
    n_positive: int
    n_negative: int
    undefined_reason: str = ""
    note: str = ""
    n_resamples: int = 0
    n_skipped: int = 0

    @property
    def is_defined(self) -> bool:
        """Whether ``value`` is a number."""
        return not math.isnan(self.value)


def _class_counts(labels: np.ndarray) -> tuple[int, int]:
    n_positive = int(labels.sum())
    return n_positive, int(labels.shape[0]) - n_positive


def _one_class_reason(n_positive: int, n_negative: int) -> str:
    if n_positive == 0 and n_negative == 0:
        return "no questions"
    missing = "incorrect" if n_positive == 0 else "correct"
    return f"no {missing} answers (n+={n_positive}, n-={n_negative})"


def _auroc_from_counts(pos_counts: np.ndarray, neg_counts: np.ndarray) -> np.ndarray:
    """Return the AUROC of each row of per-value class counts (values ascending)."""
    # Integer counts keep the pair count exact; einsum avoids float temporaries.
    neg_cumulative = np.cumsum(neg_counts, axis=-1)
    numerator = np.einsum("...j,...j->...", pos_counts, neg_cumulative) - 0.5 * np.einsum(
        "...j,...j->...", pos_counts, neg_counts
    )
    denominator = pos_counts.sum(axis=-1) * neg_counts.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = numerator / denominator
    return np.where(denominator > 0, values, np.nan)


def auroc(scores: ArrayLike, is_incorrect: ArrayLike) -> float:
    r"""Compute the AUROC of an uncertainty score for detecting incorrect answers.

    Parameters
    ----------
    scores : array-like of float, shape (n,)
        Uncertainty per question (higher = less certain). Must be finite.
    is_incorrect : array-like of {0, 1} or bool, shape (n,)
        1 when the answer is incorrect (the positive class).

    Returns
    -------
    float
        AUROC in [0, 1], or NaN when one class is missing or the input is empty.

    Raises
    ------
    ValueError
        If the shapes differ, scores are not finite or labels are not 0/1.

    Warns
    -----
    UndefinedMetricWarning
        When the AUROC is NaN.

    Notes
    -----
    Mann-Whitney formulation with ties counted as one half:

    .. math:: \mathrm{AUROC} = \frac{1}{n_+ n_-} \sum_{i \in +} \sum_{j \in -}
              \left( [s_i > s_j] + \tfrac12 [s_i = s_j] \right)

    This equals the trapezoidal area under the ROC curve built over the
    distinct score values, so constant scores give exactly 0.5.

    Examples
    --------
    >>> auroc([0.1, 0.4, 0.4, 0.8], [0, 1, 0, 1])
    0.875
    """
    values = as_scores(scores)
    labels = as_labels(is_incorrect, values.shape[0])
    n_positive, n_negative = _class_counts(labels)
    if n_positive == 0 or n_negative == 0:
        warn_undefined("AUROC", _one_class_reason(n_positive, n_negative))
        return math.nan
    _, codes = np.unique(values, return_inverse=True)
    n_values = int(codes.max()) + 1
    pos_counts = np.bincount(codes[labels == 1], minlength=n_values)
    neg_counts = np.bincount(codes[labels == 0], minlength=n_values)
    return float(_auroc_from_counts(pos_counts, neg_counts))


def _value_codes(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, int]:
    """Return per-question codes ``label * n_values + value rank`` and ``n_values``."""
    _, inverse = np.unique(scores, return_inverse=True)
    n_values = int(inverse.max()) + 1 if inverse.size else 1
    return labels.astype(np.int64) * n_values + inverse, n_values


def _aurocs_for_codes(code: np.ndarray, n_values: int, idx: np.ndarray) -> np.ndarray:
    """Return the AUROC of each row of question indices ``idx`` (NaN if one class)."""
    # One bincount gives per-row counts laid out as (correct, incorrect) x value rank.
    n_rows = idx.shape[0]
    offsets = np.arange(n_rows)[:, None] * (2 * n_values)
    counts = np.bincount((offsets + code[idx]).ravel(), minlength=n_rows * 2 * n_values)
    counts = counts.reshape(n_rows, 2, n_values)
    return _auroc_from_counts(counts[:, 1], counts[:, 0])


def auroc_for_indices(scores: ArrayLike, is_incorrect: ArrayLike, indices: ArrayLike) -> np.ndarray:
    """Compute the AUROC on each row of given resample indices.

    Parameters
    ----------
    scores : array-like of float, shape (n,)
        Uncertainty per question.
    is_incorrect : array-like of {0, 1}, shape (n,)
        1 when the answer is incorrect.
    indices : array-like of int, shape (B, n_drawn)
        Question indices of each resample, for bootstraps whose draws come
        from elsewhere (e.g. another random generator).

    Returns
    -------
    numpy.ndarray, shape (B,)
        AUROC per resample; NaN where a resample contains one class only.
    """
    values = as_scores(scores)
    labels = as_labels(is_incorrect, values.shape[0])
    idx = np.atleast_2d(np.asarray(indices, dtype=np.int64))
    if values.shape[0] == 0:
        return np.full(idx.shape[0], np.nan)
    code, n_values = _value_codes(values, labels)
    return _aurocs_for_codes(code, n_values, idx)


def _index_chunks(rng: np.random.Generator, n: int, n_resamples: int) -> Iterator[np.ndarray]:
    rows_per_chunk = max(1, _CHUNK_ENTRIES // max(n, 1))
    done = 0
    while done < n_resamples:
        rows = min(rows_per_chunk, n_resamples - done)
        yield rng.integers(0, n, size=(rows, n))
        done += rows


def auroc_resamples(
    scores: ArrayLike | Sequence[ArrayLike],
    is_incorrect: ArrayLike,
    *,
    n_resamples: int = 10_000,
    seed: int = 0,
) -> np.ndarray:
    r"""Draw bootstrap AUROCs of one or several scores over shared resamples.

    Parameters
    ----------
    scores : array-like, shape (n,) or (k, n)
        One score per question, or ``k`` scores of the same questions.
    is_incorrect : array-like of {0, 1}, shape (n,)
        1 when the answer is incorrect.
    n_resamples : int, default 10_000
        Number of resamples (questions drawn with replacement).
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    numpy.ndarray, shape (k, n_resamples)
        AUROC of each score on each resample; NaN where a resample contains one
        class only. Every score sees the same resamples, so row differences
        are paired.

    Notes
    -----
    Each resample only reweights the original questions, so the AUROC is
    computed from per-value class counts (one ``bincount`` per chunk) instead
    of re-ranking: :math:`O(k \cdot B \cdot n)` time in total.
    """
    check_resamples(n_resamples)
    matrix = np.atleast_2d(np.asarray(scores, dtype=float))
    if matrix.ndim != 2:
        raise ValueError(f"scores must be 1-D or 2-D; got shape {matrix.shape}")
    rows = [as_scores(row) for row in matrix]
    labels = as_labels(is_incorrect, matrix.shape[1])
    n = labels.shape[0]
    out = np.full((len(rows), n_resamples), np.nan)
    if n == 0:
        return out
    codes = [_value_codes(row, labels) for row in rows]
    rng = np.random.default_rng(seed)
    start = 0
    for idx in _index_chunks(rng, n, n_resamples):
        for k, (code, n_values) in enumerate(codes):
            out[k, start : start + idx.shape[0]] = _aurocs_for_codes(code, n_values, idx)
        start += idx.shape[0]
    return out


def auroc_with_ci(
    scores: ArrayLike,
    is_incorrect: ArrayLike,
    *,
    n_resamples: int = 10_000,
    seed: int = 0,
    level: float = 0.95,
) -> AurocResult:
    """Compute the AUROC with a percentile bootstrap confidence interval.

    Parameters
    ----------
    scores : array-like of float, shape (n,)
        Uncertainty per question (higher = less certain).
    is_incorrect : array-like of {0, 1}, shape (n,)
        1 when the answer is incorrect.
    n_resamples : int, default 10_000
        Bootstrap resamples of the questions, drawn with replacement.
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same CI.
    level : float, default 0.95
        Confidence level of the two-sided interval.

    Returns
    -------
    AurocResult

    Warns
    -----
    UndefinedMetricWarning
        When one class is missing, or when fewer than ``MIN_VALID_FRACTION`` of
        the resamples contain both classes (the CI is then NaN).

    Notes
    -----
    Resamples holding one class only have no AUROC; they are skipped and
    counted in ``n_skipped``. The bounds are the ``(1 - level) / 2`` and
    ``(1 + level) / 2`` quantiles (linear interpolation) of the kept AUROCs.
    Constant scores give exactly 0.5 (all pairs tied) with ``note`` set.
    """
    check_level(level)
    check_resamples(n_resamples)
    values = as_scores(scores)
    labels = as_labels(is_incorrect, values.shape[0])
    n_positive, n_negative = _class_counts(labels)
    if n_positive == 0 or n_negative == 0:
        reason = _one_class_reason(n_positive, n_negative)
        warn_undefined("AUROC", reason)
        return AurocResult(math.nan, math.nan, math.nan, n_positive, n_negative, reason)
    value = auroc(values, labels)
    note = "constant scores" if np.ptp(values) == 0 else ""
    samples = auroc_resamples(values, labels, n_resamples=n_resamples, seed=seed)[0]
    kept = samples[~np.isnan(samples)]
    n_skipped = n_resamples - kept.shape[0]
    if kept.shape[0] < max(2, math.ceil(MIN_VALID_FRACTION * n_resamples)):
        reason = (
            f"CI undefined: only {kept.shape[0]} of {n_resamples} resamples contain both "
            f"classes (n+={n_positive}, n-={n_negative})"
        )
        warn_undefined("AUROC CI", reason)
        return AurocResult(
            value, math.nan, math.nan, n_positive, n_negative, reason, note, n_resamples, n_skipped
        )
    low, high = percentile_bounds(kept, level)
    return AurocResult(value, low, high, n_positive, n_negative, "", note, n_resamples, n_skipped)
