"""Entropy of a question's cluster distribution (semantic entropy over clusters)."""

from __future__ import annotations

import logging
import math

import numpy as np
from numpy.typing import ArrayLike

from homog_local.metrics._checks import warn_undefined

__all__ = ["cluster_entropy"]

log = logging.getLogger(__name__)


def cluster_entropy(cluster_ids: ArrayLike) -> float:
    r"""Compute the entropy of one question's samples over their clusters, in nats.

    Parameters
    ----------
    cluster_ids : array-like, shape (n_samples,)
        Cluster id of each sampled answer (any hashable labels).

    Returns
    -------
    float
        Entropy in nats; 0.0 for a single cluster, NaN for no samples.

    Warns
    -----
    UndefinedMetricWarning
        When ``cluster_ids`` is empty.

    Notes
    -----
    With :math:`p_c` the share of samples in cluster :math:`c`:

    .. math:: H = -\sum_c p_c \ln p_c

    The maximum is :math:`\ln n` when every sample is its own cluster.

    Examples
    --------
    >>> round(cluster_entropy([0, 0, 1, 2]), 6)
    1.039721
    """
    ids = np.asarray(cluster_ids)
    if ids.ndim != 1:
        raise ValueError(f"cluster_ids must be 1-D; got shape {ids.shape}")
    if ids.shape[0] == 0:
        warn_undefined("cluster entropy", "no samples (n=0)")
        return math.nan
    _, counts = np.unique(ids, return_counts=True)
    if counts.shape[0] == 1:
        return 0.0
    shares = counts / counts.sum()
    return float(-(shares * np.log(shares)).sum())
