"""Affinity matrices between samples: cosine of embeddings, Jaccard of word bigrams.

The NLI affinity lives with the pair matrix
(:meth:`homog_local.nli.NliPairMatrix.entailment_affinity`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from homog_local.cluster.jaccard import bigram_set, jaccard_similarity

__all__ = ["cosine_affinity", "jaccard_affinity"]


def cosine_affinity(embeddings: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
    """Return cosine similarities clipped to [0, 1], with a unit diagonal.

    Parameters
    ----------
    embeddings : ndarray of shape (n, dim)
        One row per sample; rows need not be normalised. A zero row has
        affinity 0 to every other row.

    Returns
    -------
    ndarray of shape (n, n)

    Notes
    -----
    Negative cosines are set to 0 because graph Laplacian scores need
    non-negative weights.

    Examples
    --------
    >>> cosine_affinity(np.array([[1.0, 0.0], [0.0, 2.0]])).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    matrix = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
    affinity = np.clip(unit @ unit.T, 0.0, 1.0)
    np.fill_diagonal(affinity, 1.0)
    return affinity


def jaccard_affinity(texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """Return word-bigram Jaccard similarities between texts, with a unit diagonal.

    Examples
    --------
    >>> jaccard_affinity(["the cat sat", "the cat ran"]).round(3).tolist()
    [[1.0, 0.333], [0.333, 1.0]]
    """
    sets = [bigram_set(text) for text in texts]
    n = len(sets)
    affinity = np.eye(n)
    for i in range(n):
        for j in range(i + 1, n):
            affinity[i, j] = affinity[j, i] = jaccard_similarity(sets[i], sets[j])
    return affinity
