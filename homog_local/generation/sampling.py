"""Token selection from one logits row, with the full-vocabulary entropy.

llama-cpp-python's own samplers default to top_k=40, top_p=0.95 and
min_p=0.05, and its ``logprobs`` path needs ``logits_all=True`` (4-20x
slower). This module works on the raw logits row instead, so every filter is
explicit and the entropy is computed over the whole vocabulary.

Each decoding step of a batch calls this module once per live sequence, on
rows of up to 262k logits. The statistics therefore take a few passes over
the vocabulary: a max, one shifted exponential, its sum and one dot product.
The filters never sort or cumulate the whole vocabulary. They find the top
of the distribution by thresholding and sort only that part.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from homog_local.settings import SamplerParams

__all__ = [
    "RowScratch",
    "TokenChoice",
    "choose_greedy",
    "choose_sampled",
    "log_softmax",
    "reference_distribution",
]

# Width, in logits, of the first threshold below the top logit when the
# filters look for the head of the distribution. It doubles until enough
# tokens pass.
_HEAD_WIDTH = 12.0
# Block size of the two-level inverse-CDF draw over the full vocabulary.
_DRAW_BLOCK = 4096
_WIDEST = 4096.0


@dataclass(frozen=True)
class TokenChoice:
    """The chosen token with statistics of the unfiltered distribution.

    Parameters
    ----------
    token : int
        Chosen token id.
    entropy : float
        Shannon entropy (nats) of softmax(logits) over the full vocabulary;
        NaN when statistics were not asked for.
    log_prob : float
        log p(token) under that unfiltered distribution; NaN when statistics
        were not asked for.
    """

    token: int
    entropy: float
    log_prob: float


class RowScratch:
    """Reusable float32 buffers for rows of one vocabulary size.

    One instance serves one thread; it saves two allocations of the
    vocabulary size per token.
    """

    def __init__(self, n_vocab: int) -> None:
        self.shifted = np.empty(n_vocab, dtype=np.float32)
        self.weights = np.empty(n_vocab, dtype=np.float32)

    def fits(self, n_vocab: int) -> bool:
        """Return True when the buffers have this vocabulary size."""
        return self.shifted.shape[0] == n_vocab

    def resize(self, n_vocab: int) -> None:
        """Reallocate the buffers for another vocabulary size."""
        self.shifted = np.empty(n_vocab, dtype=np.float32)
        self.weights = np.empty(n_vocab, dtype=np.float32)


class _Softmax:
    """exp(logits - max) of one row, its sum, and the statistics derived from it."""

    def __init__(self, row: npt.NDArray[np.float32], top: float, scratch: RowScratch) -> None:
        np.subtract(row, np.float32(top), out=scratch.shifted)
        np.exp(scratch.shifted, out=scratch.weights)
        self.top = top
        self.shifted = scratch.shifted
        self.weights = scratch.weights
        self.total = float(scratch.weights.sum())
        self.log_total = math.log(self.total)
        # H = log Z - sum(w * s) / Z with w = exp(s), s = logits - max. It is
        # taken now because a draw at another temperature reuses the buffer.
        with np.errstate(invalid="ignore"):
            dot = float(np.dot(self.weights, self.shifted))
        if math.isnan(dot):
            # A -inf logit gives 0 * -inf; its term of the sum is 0.
            finite = self.weights > 0.0
            dot = float(np.dot(self.weights[finite], self.shifted[finite]))
        self.entropy = max(0.0, self.log_total - dot / self.total)

    def log_prob(self, token: int) -> float:
        return float(self.shifted[token]) - self.log_total


def log_softmax(logits: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
    """Return log-softmax of a logits row in float64 (a reference for tests)."""
    row = logits.astype(np.float64, copy=False)
    shifted = row - row.max()
    return shifted - np.log(np.exp(shifted).sum())


def _as_row(logits: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
    return np.ascontiguousarray(logits, dtype=np.float32)


def _scratch_for(row: npt.NDArray[np.float32], scratch: RowScratch | None) -> RowScratch:
    if scratch is None:
        return RowScratch(row.shape[0])
    if not scratch.fits(row.shape[0]):
        scratch.resize(row.shape[0])
    return scratch


def choose_greedy(
    logits: npt.NDArray[np.floating],
    *,
    with_stats: bool = True,
    scratch: RowScratch | None = None,
) -> TokenChoice:
    """Pick the most likely token (ties go to the lowest id).

    Parameters
    ----------
    logits : ndarray of shape (n_vocab,)
        Raw logits of the next token.
    with_stats : bool, default True
        Compute the entropy and log-probability; without them the choice
        costs one pass over the row.
    scratch : RowScratch, optional
        Buffers to reuse.
    """
    row = _as_row(logits)
    token = int(np.argmax(row))
    if not with_stats:
        return TokenChoice(token, math.nan, math.nan)
    softmax = _Softmax(row, float(row[token]), _scratch_for(row, scratch))
    return TokenChoice(token, softmax.entropy, softmax.log_prob(token))


def choose_sampled(
    logits: npt.NDArray[np.floating],
    params: SamplerParams,
    recent_tokens: Sequence[int],
    rng: np.random.Generator,
    *,
    with_stats: bool = True,
    scratch: RowScratch | None = None,
) -> TokenChoice:
    """Draw one token through the explicit sampler chain.

    Parameters
    ----------
    logits : ndarray of shape (n_vocab,)
        Raw logits of the next token.
    params : SamplerParams
        Filters and temperature.
    recent_tokens : sequence of int
        Tokens generated so far in this answer; the last
        ``params.repeat_last_n`` are penalised.
    rng : numpy.random.Generator
        Seeded generator of this sample; each call draws exactly one
        uniform number from it.
    with_stats : bool, default True
        Compute the entropy and log-probability of the unfiltered
        distribution.
    scratch : RowScratch, optional
        Buffers to reuse.

    Returns
    -------
    TokenChoice
        The drawn token, with entropy and log-probability of the unfiltered,
        unpenalised distribution (not of the filtered one).

    Notes
    -----
    The chain follows llama.cpp's default order: repetition penalty (a
    positive logit is divided by the penalty, a negative one multiplied),
    top-k, top-p on the softmax of the remaining logits, min-p relative to
    the top probability, then temperature and a categorical draw by inverse
    CDF over the kept tokens. With a filter on, the kept tokens are ordered
    by logit (ties by token id); with every filter off, by token id.
    :func:`reference_distribution` gives the same distribution by brute
    force.
    """
    row = _as_row(logits)
    scratch = _scratch_for(row, scratch)
    top = float(row.max())
    softmax = _Softmax(row, top, scratch) if with_stats else None
    penalised = _penalised_window(row, params, recent_tokens)

    if params.top_k == 0 and params.top_p >= 1.0 and params.min_p <= 0.0:
        token = _draw_full(row, top, params.temperature, penalised, rng, softmax, scratch)
    else:
        token = _draw_head(row, top, params, penalised, rng, softmax, scratch)
    if softmax is None:
        return TokenChoice(token, math.nan, math.nan)
    return TokenChoice(token, softmax.entropy, softmax.log_prob(token))


def _penalised_window(
    row: npt.NDArray[np.float32], params: SamplerParams, recent_tokens: Sequence[int]
) -> dict[int, float]:
    """Return the penalised logit of each token in the repetition window."""
    if params.repeat_penalty == 1.0 or params.repeat_last_n <= 0 or not recent_tokens:
        return {}
    window = set(recent_tokens[-params.repeat_last_n :])
    penalised = {}
    for token in window:
        value = float(row[token])
        penalised[token] = value / params.repeat_penalty if value > 0 else (
            value * params.repeat_penalty
        )
    return penalised


def _draw_full(
    row: npt.NDArray[np.float32],
    top: float,
    temperature: float,
    penalised: dict[int, float],
    rng: np.random.Generator,
    softmax: _Softmax | None,
    scratch: RowScratch,
) -> int:
    """Draw from softmax(penalised logits / temperature) over the whole vocabulary."""
    if temperature == 1.0 and softmax is not None:
        weights = softmax.weights
    else:
        weights = scratch.weights
        np.subtract(row, np.float32(top), out=weights)
        if temperature != 1.0:
            np.divide(weights, np.float32(temperature), out=weights)
        np.exp(weights, out=weights)
    # The statistics were taken before this point, so the buffer may change.
    for token, value in penalised.items():
        weights[token] = math.exp((value - top) / temperature)
    return _inverse_cdf(weights, rng.random())


def _inverse_cdf(weights: npt.NDArray[np.float32], uniform: float) -> int:
    """Return the token whose cumulative weight interval contains uniform * total.

    Two levels (block sums, then one block) avoid a cumulative sum over the
    whole vocabulary.
    """
    n = weights.shape[0]
    n_main = n - n % _DRAW_BLOCK
    sums = weights[:n_main].reshape(-1, _DRAW_BLOCK).sum(axis=1, dtype=np.float64)
    if n_main < n:
        sums = np.append(sums, weights[n_main:].sum(dtype=np.float64))
    cumulative = np.cumsum(sums)
    target = uniform * cumulative[-1]
    block = min(int(np.searchsorted(cumulative, target, side="right")), len(sums) - 1)
    while sums[block] <= 0.0 and block > 0:
        block -= 1
    start = block * _DRAW_BLOCK
    inner = np.cumsum(weights[start : start + _DRAW_BLOCK], dtype=np.float64)
    offset = target - (cumulative[block - 1] if block > 0 else 0.0)
    index = min(int(np.searchsorted(inner, offset, side="right")), len(inner) - 1)
    while weights[start + index] <= 0.0 and index > 0:
        index -= 1
    return start + index


def _draw_head(
    row: npt.NDArray[np.float32],
    top: float,
    params: SamplerParams,
    penalised: dict[int, float],
    rng: np.random.Generator,
    softmax: _Softmax | None,
    scratch: RowScratch,
) -> int:
    """Draw after top-k, top-p or min-p, looking only at the head of the distribution."""
    width = _HEAD_WIDTH
    full_total = None
    if params.top_k == 0 and params.top_p < 1.0:
        full_total = _penalised_total(row, top, penalised, softmax, scratch)
    while True:
        threshold = top - width
        candidates = np.flatnonzero(row >= threshold)
        # Past _WIDEST every token left out has probability 0 in float64.
        exhaustive = len(candidates) == row.shape[0] or width >= _WIDEST
        values = row[candidates].astype(np.float64)
        if penalised:
            window = np.fromiter(penalised, dtype=np.int64, count=len(penalised))
            window_values = np.fromiter(penalised.values(), dtype=np.float64,
                                        count=len(penalised))
            # flatnonzero returns sorted ids, so a binary search finds the
            # window tokens already in the head.
            found = np.searchsorted(candidates, window)
            found = np.minimum(found, max(len(candidates) - 1, 0))
            inside = (candidates[found] == window) if len(candidates) else np.zeros(
                len(window), dtype=bool)
            values[found[inside]] = window_values[inside]
            candidates = np.concatenate([candidates, window[~inside]])
            values = np.concatenate([values, window_values[~inside]])
            # Only tokens at or above the threshold are certainly the head of
            # the penalised row; a penalised token may have dropped below it.
            if not exhaustive:
                keep = values >= threshold
                candidates, values = candidates[keep], values[keep]
        if params.top_k > 0 and len(candidates) > params.top_k:
            # Sort only the top-k values and their ties.
            kth = np.partition(values, len(values) - params.top_k)[len(values) - params.top_k]
            keep = values >= kth
            candidates, values = candidates[keep], values[keep]
        order = np.lexsort((candidates, -values))
        candidates, values = candidates[order], values[order]
        kept = _filtered_length(candidates, values, params, top, exhaustive, full_total)
        if kept is not None:
            break
        width *= 2.0

    head = values[:kept]
    scaled = (head - head[0]) / params.temperature
    cumulative = np.cumsum(np.exp(scaled))
    target = rng.random() * cumulative[-1]
    index = min(int(np.searchsorted(cumulative, target, side="right")), kept - 1)
    return int(candidates[index])


def _filtered_length(
    candidates: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    params: SamplerParams,
    top: float,
    exhaustive: bool,
    full_total: float | None,
) -> int | None:
    """Return how many head tokens survive the filters, or None to widen the head."""
    n = len(candidates)
    if n == 0:
        return None
    keep = n
    if params.top_k > 0:
        if n < params.top_k and not exhaustive:
            return None
        keep = min(keep, params.top_k)
    if params.top_p < 1.0:
        probs = np.exp(values[:keep] - values[0])
        if params.top_k > 0 or exhaustive:
            total = float(probs.sum())
        else:
            # Without top-k the nucleus is normalised over the whole
            # vocabulary; it lies inside the head once the head's mass
            # reaches top_p.
            assert full_total is not None
            total = full_total * math.exp(top - values[0])
        cumulative = np.cumsum(probs) / total
        reached = int(np.searchsorted(cumulative, params.top_p))
        if reached >= keep:
            if not exhaustive and params.top_k == 0:
                return None
            reached = keep - 1
        keep = min(keep, reached + 1)
    if params.min_p > 0.0:
        limit = values[0] + math.log(params.min_p)
        if params.top_k == 0 and params.top_p >= 1.0 and not exhaustive and values[-1] >= limit:
            # Tokens below the head may still pass min-p.
            return None
        keep = min(keep, max(1, int((values[:keep] >= limit).sum())))
    return keep


def _penalised_total(
    row: npt.NDArray[np.float32],
    top: float,
    penalised: dict[int, float],
    softmax: _Softmax | None,
    scratch: RowScratch,
) -> float:
    """Return sum(exp(penalised - top)) over the whole vocabulary."""
    if softmax is not None:
        total = softmax.total
    else:
        np.subtract(row, np.float32(top), out=scratch.shifted)
        np.exp(scratch.shifted, out=scratch.weights)
        total = float(scratch.weights.sum(dtype=np.float64))
    for token, value in penalised.items():
        total += math.exp(value - top) - math.exp(float(row[token]) - top)
    return total


def reference_distribution(
    logits: npt.NDArray[np.floating], params: SamplerParams, recent_tokens: Sequence[int]
) -> npt.NDArray[np.float64]:
    """Return the sampler's next-token distribution by brute force over the vocabulary.

    This is the specification :func:`choose_sampled` is tested against: it
    sorts and cumulates the whole row, which the fast path avoids.
    """
    work = np.asarray(logits, dtype=np.float64).copy()
    if params.repeat_penalty != 1.0 and params.repeat_last_n > 0 and recent_tokens:
        window = np.unique(np.asarray(recent_tokens[-params.repeat_last_n :], dtype=np.int64))
        values = work[window]
        work[window] = np.where(
            values > 0, values / params.repeat_penalty, values * params.repeat_penalty
        )
    order = np.lexsort((np.arange(work.shape[0]), -work))
    keep = len(order)
    if params.top_k > 0:
        keep = min(keep, params.top_k)
    if params.top_p < 1.0:
        head = work[order[:keep]]
        probs = np.exp(head - head[0])
        cumulative = np.cumsum(probs / probs.sum())
        keep = min(keep, int(np.searchsorted(cumulative, params.top_p)) + 1)
    if params.min_p > 0.0:
        head = work[order[:keep]]
        keep = min(keep, max(1, int((head >= head[0] + math.log(params.min_p)).sum())))
    kept = order[:keep]
    scaled = (work[kept] - work[kept[0]]) / params.temperature
    weights = np.exp(scaled)
    distribution = np.zeros(work.shape[0])
    distribution[kept] = weights / weights.sum()
    return distribution
