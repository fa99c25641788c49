"""Token selection from one logits row, with the full-vocabulary entropy.

llama-cpp-python's own samplers default to top_k=40, top_p=0.95 and
min_p=0.05, and its ``logprobs`` path needs ``logits_all=True`` (4-20x
slower). This module works on the raw logits row instead, so every filter is
explicit and the entropy is computed over the whole vocabulary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from homog_local.settings import SamplerParams

__all__ = ["TokenChoice", "choose_greedy", "choose_sampled", "log_softmax"]


@dataclass(frozen=True)
class TokenChoice:
    """The chosen token with statistics of the unfiltered distribution.

    Parameters
    ----------
    token : int
        Chosen token id.
    entropy : float
        Shannon entropy (nats) of softmax(logits) over the full vocabulary.
    log_prob : float
        log p(token) under that unfiltered distribution.
    """

    token: int
    entropy: float
    log_prob: float


def log_softmax(logits: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
    """Return log-softmax of a logits row in float64."""
    row = logits.astype(np.float64, copy=False)
    shifted = row - row.max()
    return shifted - np.log(np.exp(shifted).sum())


def _entropy(log_probs: npt.NDArray[np.float64]) -> float:
    probs = np.exp(log_probs)
    # 0 * log 0 is 0; exp(-inf) gives exactly 0, so mask to avoid nan.
    mask = probs > 0.0
    return float(-(probs[mask] * log_probs[mask]).sum())


def choose_greedy(logits: npt.NDArray[np.floating]) -> TokenChoice:
    """Pick the most likely token (ties go to the lowest id)."""
    log_probs = log_softmax(logits)
    token = int(np.argmax(log_probs))
    return TokenChoice(token, _entropy(log_probs), float(log_probs[token]))


def choose_sampled(
    logits: npt.NDArray[np.floating],
    params: SamplerParams,
    recent_tokens: Sequence[int],
    rng: np.random.Generator,
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
        Seeded generator of this sample.

    Returns
    -------
    TokenChoice
        The drawn token, with entropy and log-probability of the unfiltered
        distribution (not of the filtered one).

    Notes
    -----
    The chain follows llama.cpp's default order: repetition penalty (a
    positive logit is divided by the penalty, a negative one multiplied),
    top-k, top-p on the softmax of the remaining logits, min-p relative to
    the top probability, then temperature and a categorical draw.
    """
    log_probs = log_softmax(logits)
    entropy = _entropy(log_probs)

    work = logits.astype(np.float64, copy=True)
    if params.repeat_penalty != 1.0 and params.repeat_last_n > 0 and recent_tokens:
        window = np.unique(np.asarray(recent_tokens[-params.repeat_last_n :], dtype=np.int64))
        values = work[window]
        work[window] = np.where(
            values > 0, values / params.repeat_penalty, values * params.repeat_penalty
        )

    if 0 < params.top_k < work.shape[0]:
        candidates = np.argpartition(-work, params.top_k - 1)[: params.top_k]
    else:
        candidates = np.arange(work.shape[0])
    # Sort candidates by logit, highest first; ties by token id for determinism.
    order = np.lexsort((candidates, -work[candidates]))
    candidates = candidates[order]
    cand_logits = work[candidates]

    if params.top_p < 1.0 or params.min_p > 0.0:
        probs = np.exp(cand_logits - cand_logits[0])
        probs /= probs.sum()
        keep = len(candidates)
        if params.top_p < 1.0:
            cumulative = np.cumsum(probs)
            keep = min(keep, int(np.searchsorted(cumulative, params.top_p) + 1))
        if params.min_p > 0.0:
            keep = min(keep, max(1, int((probs >= params.min_p * probs[0]).sum())))
        candidates = candidates[:keep]
        cand_logits = cand_logits[:keep]

    scaled = cand_logits / params.temperature
    weights = np.exp(scaled - scaled.max())
    weights /= weights.sum()
    token = int(candidates[rng.choice(len(candidates), p=weights)])
    return TokenChoice(token, entropy, float(log_probs[token]))
