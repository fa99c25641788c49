"""Graph, lexical, dispersion and weighted-entropy scores against hand-worked values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from homog_local.graph import (
    cosine_affinity,
    degree_uncertainty,
    eccentricity_uncertainty,
    eigv_uncertainty,
    embedding_dispersion_uncertainty,
    jaccard_affinity,
    lexical_uncertainty,
    normalized_laplacian,
    rouge_l_f1,
    weighted_semantic_entropy,
)

# Two meanings: samples 0-1 agree, sample 2 is alone.
TWO_BLOCKS = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])


def _eigv_reference(affinity: np.ndarray) -> float:
    """Slow reference: explicit D^-1/2 with a loop, then eigenvalues."""
    n = affinity.shape[0]
    laplacian = np.eye(n)
    for i in range(n):
        for j in range(n):
            laplacian[i, j] -= affinity[i, j] / math.sqrt(affinity[i].sum() * affinity[j].sum())
    return sum(max(0.0, 1.0 - value) for value in np.linalg.eigvals(laplacian).real)


def test_eigv_counts_blocks() -> None:
    assert eigv_uncertainty(TWO_BLOCKS) == pytest.approx(2.0)
    assert eigv_uncertainty(np.ones((4, 4))) == pytest.approx(1.0)
    assert eigv_uncertainty(np.eye(4)) == pytest.approx(4.0)


def test_eigv_matches_reference() -> None:
    rng = np.random.default_rng(0)
    raw = rng.uniform(0, 1, size=(6, 6))
    affinity = (raw + raw.T) / 2
    np.fill_diagonal(affinity, 1.0)
    assert eigv_uncertainty(affinity) == pytest.approx(_eigv_reference(affinity), abs=1e-9)


def test_laplacian_of_complete_graph() -> None:
    laplacian = normalized_laplacian(np.ones((2, 2)))
    np.testing.assert_allclose(laplacian, [[0.5, -0.5], [-0.5, 0.5]])


def test_degree_hand_worked() -> None:
    # Degrees 2, 2, 1 over n^2 = 9: 1 - 5/9.
    assert degree_uncertainty(TWO_BLOCKS) == pytest.approx(4 / 9)
    assert degree_uncertainty(np.ones((3, 3))) == 0.0


def test_eccentricity_hand_worked() -> None:
    # Two zero eigenvalues; spectral rows (a, 0), (a, 0), (0, 1) with a = 1/√2, up to
    # rotation. The mean is (2a/3, 1/3); centred squared norms are 1/6, 1/6 and 2/3.
    assert eccentricity_uncertainty(TWO_BLOCKS) == pytest.approx(1.0)
    assert eccentricity_uncertainty(np.ones((3, 3))) == pytest.approx(0.0, abs=1e-12)
    assert eccentricity_uncertainty(np.eye(5)) == pytest.approx(2.0)


def test_graph_scores_empty_and_invalid() -> None:
    empty = np.zeros((0, 0))
    assert math.isnan(eigv_uncertainty(empty))
    assert math.isnan(degree_uncertainty(empty))
    assert math.isnan(eccentricity_uncertainty(empty))
    with pytest.raises(ValueError, match="symmetric"):
        eigv_uncertainty(np.array([[1.0, 0.2], [0.9, 1.0]]))
    with pytest.raises(ValueError, match="square"):
        degree_uncertainty(np.ones((2, 3)))


def test_affinities() -> None:
    cosine = cosine_affinity(np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.0]]))
    np.testing.assert_allclose(cosine, np.eye(3))
    jaccard = jaccard_affinity(["the cat sat", "the cat sat", "a dog"])
    np.testing.assert_allclose(jaccard, TWO_BLOCKS)


def test_rouge_l_cases() -> None:
    assert rouge_l_f1("", "") == 1.0
    assert rouge_l_f1("Paris", "") == 0.0
    # LCS "paris is" = 2 of 2 and 2 of 4: P = 0.5, R = 1.0.
    assert rouge_l_f1("Paris is", "Paris is a city") == pytest.approx(2 / 3)


def test_lexical_uncertainty_values() -> None:
    assert lexical_uncertainty(["Paris", "paris"]) == 0.0
    assert lexical_uncertainty(["Paris", "Lyon"]) == 1.0
    assert math.isnan(lexical_uncertainty(["Paris"]))


def test_dispersion_values() -> None:
    assert embedding_dispersion_uncertainty(np.array([[3.0, 0.0], [1.0, 0.0]])) == 0.0
    orthogonal = embedding_dispersion_uncertainty(np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert orthogonal == pytest.approx(1 - math.sqrt(0.5))
    assert math.isnan(embedding_dispersion_uncertainty(np.zeros((0, 4))))


def test_weighted_entropy_counts_duplicates_once() -> None:
    # Cluster 0 contains "a" (p = e^-1) sampled three times; cluster 1 contains "b" (p = e^-1).
    value = weighted_semantic_entropy([0, 0, 0, 1], ["a", "a", "a", "b"], [-1.0] * 4)
    assert value == pytest.approx(math.log(2))


def test_weighted_entropy_uses_probabilities() -> None:
    log_probs = [math.log(0.6), math.log(0.2), math.log(0.2)]
    value = weighted_semantic_entropy([0, 0, 1], ["a", "b", "c"], log_probs)
    shares = np.array([0.8, 0.2])
    assert value == pytest.approx(float(-(shares * np.log(shares)).sum()))


def test_weighted_entropy_long_answers_do_not_underflow() -> None:
    value = weighted_semantic_entropy([0, 1], ["a", "b"], [-2000.0, -2000.0])
    assert value == pytest.approx(math.log(2))


def test_weighted_entropy_undefined_cases() -> None:
    assert math.isnan(weighted_semantic_entropy([], [], []))
    assert math.isnan(weighted_semantic_entropy([0], ["a"], [float("-inf")]))
    assert weighted_semantic_entropy([0, 0], ["a", "b"], [-1.0, -5.0]) == 0.0
    with pytest.raises(ValueError, match="differ in length"):
        weighted_semantic_entropy([0], ["a", "b"], [-1.0])
