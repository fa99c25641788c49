"""Embedding dispersion: how far the samples' unit embeddings spread from one direction."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["embedding_dispersion_uncertainty"]


def embedding_dispersion_uncertainty(embeddings: npt.NDArray[np.floating]) -> float:
    """Return one minus the length of the mean unit embedding.

    Parameters
    ----------
    embeddings : ndarray of shape (n, dim)
        One row per sample; rows are L2-normalised here, zero rows stay zero.

    Returns
    -------
    float
        In [0, 1]: 0 when every sample points the same way, near 1 when the
        directions cancel out. NaN for n = 0. Higher is more uncertain.

    Notes
    -----
    ``1 − ‖(1/n) Σ_i e_i / ‖e_i‖‖``. The squared mean length equals the mean
    pairwise cosine over all ordered pairs including i = j, so the score
    rises as the average cosine falls.

    Examples
    --------
    >>> embedding_dispersion_uncertainty(np.array([[1.0, 0.0], [2.0, 0.0]]))
    0.0
    >>> round(embedding_dispersion_uncertainty(np.array([[1.0, 0.0], [-1.0, 0.0]])), 6)
    1.0
    """
    matrix = np.asarray(embeddings, dtype=np.float64)
    if matrix.shape[0] == 0:
        return math.nan
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
    return float(1.0 - np.linalg.norm(unit.mean(axis=0)))
