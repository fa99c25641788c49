"""Likelihood-weighted semantic entropy from the samples' sequence log-probabilities."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.special import logsumexp

__all__ = ["weighted_semantic_entropy"]


def weighted_semantic_entropy(
    assignments: Sequence[int], texts: Sequence[str], log_probs: Sequence[float]
) -> float:
    r"""Entropy of meaning clusters weighted by the model's sequence probabilities.

    Parameters
    ----------
    assignments : sequence of int
        Cluster id of each sample.
    texts : sequence of str
        The samples; identical texts are one generation.
    log_probs : sequence of float
        Natural-log probability of each sample's whole token sequence.

    Returns
    -------
    float
        In nats, in [0, ln K] for K clusters; 0 for one cluster. NaN when
        there are no samples or a log-probability is not finite.

    Notes
    -----
    Following Kuhn, Gal and Farquhar, "Semantic Uncertainty" (ICLR 2023),
    section 3, a cluster's probability is the sum of its distinct
    generations' probabilities, normalised over the clusters:

    .. math:: p(c) = \frac{\sum_{s \in c} p(s)}{\sum_{c'} \sum_{s \in c'} p(s)},
              \quad H = -\sum_c p(c) \ln p(c)

    A text sampled twice counts once, so duplicates cannot push a cluster's
    probability above 1. The sums run in log space (log-sum-exp), because
    sequence probabilities underflow float64 for long answers. Higher is
    more uncertain.

    Examples
    --------
    >>> round(weighted_semantic_entropy([0, 0, 1], ["a", "a", "b"], [-1.0, -1.0, -1.0]), 6)
    0.693147
    """
    if not (len(assignments) == len(texts) == len(log_probs)):
        raise ValueError(
            f"assignments, texts and log_probs differ in length: "
            f"{len(assignments)}, {len(texts)}, {len(log_probs)}"
        )
    if len(texts) == 0 or not all(math.isfinite(value) for value in log_probs):
        return math.nan
    seen: set[str] = set()
    by_cluster: dict[int, list[float]] = {}
    for cluster, text, log_prob in zip(assignments, texts, log_probs, strict=True):
        if text in seen:
            continue
        seen.add(text)
        by_cluster.setdefault(int(cluster), []).append(float(log_prob))
    if len(by_cluster) == 1:
        return 0.0
    cluster_log = np.array([logsumexp(values) for values in by_cluster.values()])
    cluster_log -= logsumexp(cluster_log)
    return float(-(np.exp(cluster_log) * cluster_log).sum())
