"""Semantic clustering: average-linkage agglomerative clustering of embeddings."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.cluster.hierarchy import fcluster, linkage

from homog_local.cluster.labels import canonical_labels

__all__ = ["cluster_embeddings"]


def cluster_embeddings(
    embeddings: npt.NDArray[np.floating], threshold: float = 0.85
) -> tuple[int, ...]:
    """Cluster embedding rows with average linkage on cosine distance.

    Parameters
    ----------
    embeddings : ndarray of shape (n, dim)
        One row per answer; rows are L2-normalised here.
    threshold : float, default 0.85
        Cosine-similarity threshold τ; the dendrogram is cut at cosine
        distance 1 − τ.

    Returns
    -------
    tuple of int
        Cluster id per row, numbered by first appearance.

    Notes
    -----
    A zero row (an embedder output for empty text) has no direction; it is
    kept as is and its cosine distance to other rows is taken as 1.

    Examples
    --------
    >>> vectors = np.array([[1.0, 0.0], [0.99, 0.05], [0.0, 1.0]])
    >>> cluster_embeddings(vectors)
    (0, 0, 1)
    """
    matrix = np.asarray(embeddings, dtype=np.float64)
    n = matrix.shape[0]
    if n == 0:
        return ()
    if n == 1:
        return (0,)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
    similarity = np.clip(unit @ unit.T, -1.0, 1.0)
    distance = 1.0 - similarity
    zero_rows = (norms[:, 0] == 0)
    distance[zero_rows, :] = 1.0
    distance[:, zero_rows] = 1.0
    np.fill_diagonal(distance, 0.0)
    condensed = distance[np.triu_indices(n, k=1)]
    tree = linkage(np.maximum(condensed, 0.0), method="average")
    labels = fcluster(tree, t=1.0 - threshold, criterion="distance")
    return canonical_labels(labels.tolist())


