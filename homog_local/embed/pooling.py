"""Pooling of token vectors into one sentence vector, and L2 normalisation."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = ["POOLING_METHODS", "Pooling", "cls_pool", "l2_normalize", "mean_pool"]

Pooling = Literal["mean", "cls", "pooled"]
POOLING_METHODS: tuple[Pooling, ...] = ("mean", "cls", "pooled")


def mean_pool(
    token_vectors: npt.NDArray[np.floating], attention_mask: npt.NDArray[np.integer]
) -> npt.NDArray[np.float32]:
    """Average the token vectors of each sequence over its unpadded positions.

    Parameters
    ----------
    token_vectors : ndarray of shape (n, seq_len, dim)
        Last hidden state of the encoder.
    attention_mask : ndarray of shape (n, seq_len)
        1 for real tokens, 0 for padding.

    Returns
    -------
    ndarray of shape (n, dim), float32

    Notes
    -----
    A row whose mask is all zeros (which a tokenizer that adds ``[CLS]`` and
    ``[SEP]`` never produces) gets a zero vector instead of a division by zero.

    Examples
    --------
    >>> vectors = np.array([[[1.0, 0.0], [3.0, 2.0], [9.0, 9.0]]])
    >>> mean_pool(vectors, np.array([[1, 1, 0]]))
    array([[2., 1.]], dtype=float32)
    """
    mask = attention_mask.astype(np.float32)[..., None]
    summed = (token_vectors.astype(np.float32) * mask).sum(axis=1)
    counts = np.maximum(mask.sum(axis=1), 1.0)
    return (summed / counts).astype(np.float32)


def cls_pool(token_vectors: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
    """Take the first token's vector (``[CLS]``) of each sequence.

    Parameters
    ----------
    token_vectors : ndarray of shape (n, seq_len, dim)

    Returns
    -------
    ndarray of shape (n, dim), float32
    """
    return np.ascontiguousarray(token_vectors[:, 0, :], dtype=np.float32)


def l2_normalize(vectors: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
    """Scale each row to unit Euclidean norm.

    Parameters
    ----------
    vectors : ndarray of shape (n, dim)

    Returns
    -------
    ndarray of shape (n, dim), float32
        Zero rows stay zero.
    """
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
