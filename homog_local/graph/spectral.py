"""Graph-Laplacian uncertainty scores: EigV, Degree and Eccentricity.

Reference: Lin, Trivedi and Sun, "Generating with Confidence: Uncertainty
Quantification for Black-box Large Language Models" (2023), section 4.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = [
    "ECCENTRICITY_EIGENVALUE_CUT",
    "degree_uncertainty",
    "eccentricity_uncertainty",
    "eigv_uncertainty",
    "normalized_laplacian",
]

# NOTE: the eigenvectors kept for Eccentricity are those with eigenvalue
# below this cut, an estimate of the number of meaning clusters; the paper
# leaves k as a choice, and this value is ours, not tuned on data.
ECCENTRICITY_EIGENVALUE_CUT = 0.9


def _check(affinity: npt.ArrayLike) -> npt.NDArray[np.float64]:
    matrix = np.asarray(affinity, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"affinity must be a square matrix; got shape {matrix.shape}")
    if matrix.size and (matrix.min() < 0.0 or not np.allclose(matrix, matrix.T)):
        raise ValueError("affinity must be symmetric with non-negative weights")
    return matrix


def normalized_laplacian(affinity: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Return L = I − D^(−1/2) W D^(−1/2) with D the diagonal of row sums of W.

    Parameters
    ----------
    affinity : array-like of shape (n, n)
        Symmetric, non-negative weights W; a row of zeros is treated as an
        isolated node (its D^(−1/2) entry is 0).

    Returns
    -------
    ndarray of shape (n, n)
    """
    matrix = _check(affinity)
    degrees = matrix.sum(axis=1)
    scale = np.divide(1.0, np.sqrt(degrees), out=np.zeros_like(degrees), where=degrees > 0)
    return np.eye(matrix.shape[0]) - scale[:, None] * matrix * scale[None, :]


def eigv_uncertainty(affinity: npt.ArrayLike) -> float:
    r"""Sum of eigenvalues of the graph Laplacian, a continuous number of meaning sets.

    Parameters
    ----------
    affinity : array-like of shape (n, n)
        Symmetric non-negative sample affinities with a unit diagonal.

    Returns
    -------
    float
        NaN for n = 0.

    Notes
    -----
    .. math:: U_{EigV} = \sum_{k=1}^{n} \max(0, 1 - \lambda_k)

    with :math:`\lambda_k` the eigenvalues of the normalised Laplacian.
    Range [1, n] for a unit diagonal: 1 when every affinity is 1 (one
    meaning), n when every off-diagonal affinity is 0 (n meanings). Higher
    is more uncertain.

    Examples
    --------
    >>> round(eigv_uncertainty(np.ones((3, 3))), 6)
    1.0
    >>> round(eigv_uncertainty(np.eye(3)), 6)
    3.0
    """
    matrix = _check(affinity)
    if matrix.shape[0] == 0:
        return math.nan
    eigenvalues = np.linalg.eigvalsh(normalized_laplacian(matrix))
    return float(np.clip(1.0 - eigenvalues, 0.0, None).sum())


def degree_uncertainty(affinity: npt.ArrayLike) -> float:
    r"""One minus the mean node degree over n, the average dissimilarity of the samples.

    Returns
    -------
    float
        NaN for n = 0.

    Notes
    -----
    .. math:: U_{Deg} = \operatorname{trace}(nI - D) / n^2 = 1 - \sum_j D_{jj} / n^2

    with :math:`D_{jj} = \sum_i W_{ij}`. Range [0, 1 − 1/n] for a unit
    diagonal and weights in [0, 1]: 0 when every affinity is 1. Higher is
    more uncertain.

    Examples
    --------
    >>> degree_uncertainty(np.ones((4, 4)))
    0.0
    >>> degree_uncertainty(np.eye(4))
    0.75
    """
    matrix = _check(affinity)
    n = matrix.shape[0]
    if n == 0:
        return math.nan
    return float(1.0 - matrix.sum() / (n * n))


def eccentricity_uncertainty(affinity: npt.ArrayLike) -> float:
    r"""Spread of the samples' spectral embeddings around their mean.

    Returns
    -------
    float
        NaN for n = 0.

    Notes
    -----
    Take the eigenvectors :math:`u_1..u_k` of the normalised Laplacian whose
    eigenvalues are below :data:`ECCENTRICITY_EIGENVALUE_CUT` (at least
    one), give sample j the vector :math:`v_j = (u_{1j}, ..., u_{kj})`,
    centre the vectors on their mean and return the Frobenius norm:

    .. math:: U_{Ecc} = \lVert [v_1 - \bar v, ..., v_n - \bar v] \rVert_F

    Range [0, √(n − 1)]: 0 when every affinity is 1, √(n − 1) when every
    off-diagonal affinity is 0. Higher is more uncertain.

    Examples
    --------
    >>> round(eccentricity_uncertainty(np.ones((3, 3))), 6)
    0.0
    >>> round(eccentricity_uncertainty(np.eye(5)), 6)
    2.0
    """
    matrix = _check(affinity)
    n = matrix.shape[0]
    if n == 0:
        return math.nan
    eigenvalues, eigenvectors = np.linalg.eigh(normalized_laplacian(matrix))
    k = max(1, int((eigenvalues < ECCENTRICITY_EIGENVALUE_CUT).sum()))
    vectors = eigenvectors[:, :k]
    centred = vectors - vectors.mean(axis=0, keepdims=True)
    return float(np.linalg.norm(centred))
