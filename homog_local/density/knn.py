"""Mean cosine similarity of a question to its nearest neighbours in a reference set."""

from __future__ import annotations

import logging

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["knn_mean_similarity", "unit_rows"]

log = logging.getLogger(__name__)


def unit_rows(vectors: ArrayLike) -> np.ndarray:
    """Return the rows scaled to unit L2 norm as float64; zero rows stay zero."""
    matrix = np.atleast_2d(np.asarray(vectors, dtype=np.float64))
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def knn_mean_similarity(
    queries: ArrayLike,
    reference: ArrayLike,
    k: int,
    exclude: ArrayLike | None = None,
) -> np.ndarray:
    r"""Compute each query's mean cosine similarity to its ``k`` most similar reference rows.

    Parameters
    ----------
    queries : array-like of float, shape (m, d)
        Query embeddings (normalised here, so any scale works).
    reference : array-like of float, shape (n, d)
        Reference embeddings, e.g. every question of the dataset.
    k : int
        Number of neighbours, at least 1.
    exclude : array-like of int, shape (m,), optional
        Reference row to leave out for each query (the query itself), or -1
        to leave out none.

    Returns
    -------
    numpy.ndarray of float64, shape (m,)
        :math:`\frac{1}{k'} \sum_{j \in N_k(i)} \cos(q_i, r_j)` with
        :math:`k' = \min(k, n_i)`, where :math:`n_i` is the number of
        reference rows left for query :math:`i`. NaN where :math:`n_i = 0`.

    Raises
    ------
    ValueError
        If ``k`` < 1, the dimensions differ or ``exclude`` has the wrong shape.

    Notes
    -----
    Only the excluded index is left out: another reference row with the same
    text counts as a neighbour with similarity 1.

    Examples
    --------
    >>> knn_mean_similarity([[1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], 2, [0])
    array([0.35355339])
    """
    if k < 1:
        raise ValueError(f"k must be >= 1; got {k!r}")
    query_rows = unit_rows(queries)
    reference_rows = unit_rows(reference)
    if query_rows.shape[1] != reference_rows.shape[1]:
        raise ValueError(
            f"queries have dimension {query_rows.shape[1]} but the reference has "
            f"{reference_rows.shape[1]}; embed both with the same model"
        )
    m, n = query_rows.shape[0], reference_rows.shape[0]
    skip = np.full(m, -1, dtype=np.int64) if exclude is None else np.asarray(exclude, np.int64)
    if skip.shape != (m,):
        raise ValueError(f"exclude has shape {skip.shape}; expected ({m},)")
    similarities = query_rows @ reference_rows.T
    excluded = (skip >= 0) & (skip < n)
    similarities[np.flatnonzero(excluded), skip[excluded]] = -np.inf
    result = np.full(m, np.nan)
    for available in np.unique(n - excluded.astype(np.int64)):
        rows = np.flatnonzero(n - excluded.astype(np.int64) == available)
        k_used = int(min(k, available))
        if k_used == 0:
            continue
        # The k largest values sit in the last k positions after partitioning.
        top = np.partition(similarities[rows], n - k_used, axis=1)[:, n - k_used :]
        result[rows] = top.mean(axis=1)
    return result
