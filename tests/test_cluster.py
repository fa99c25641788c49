from __future__ import annotations

import numpy as np
import pytest

from homog_local.cluster import (
    bigram_set,
    canonical_labels,
    cluster_embeddings,
    cluster_jaccard,
    jaccard_similarity,
)


def test_bigram_set_lowercases_and_pairs() -> None:
    assert bigram_set("The cat, the CAT") == {("the", "cat"), ("cat", "the")}


def test_jaccard_similarity_known_value() -> None:
    a = bigram_set("the cat sat on the mat")
    b = bigram_set("the cat sat on a mat")
    # a: the-cat cat-sat sat-on on-the the-mat; b: the-cat cat-sat sat-on on-a a-mat
    assert jaccard_similarity(a, b) == pytest.approx(3 / 7)


def test_jaccard_similarity_empty_sets() -> None:
    assert jaccard_similarity(frozenset(), frozenset()) == 1.0
    assert jaccard_similarity(frozenset(), bigram_set("a b")) == 0.0


def test_cluster_jaccard_known_set() -> None:
    texts = [
        "Paris is the capital of France",   # 0
        "Paris is the capital city",        # shares 3 of 6 bigrams with 0 -> 0.5
        "Berlin is in Germany",             # 1
        "the capital of France is Paris",   # 0: shares 3 bigrams of 7 -> 0.43
        "Madrid",                           # 2
        "madrid",                           # 2 (case folded)
    ]
    assert cluster_jaccard(texts, 0.4) == (0, 0, 1, 0, 2, 2)


def test_cluster_jaccard_single_linkage_chains() -> None:
    # Neighbours share 1 of 5 bigrams (0.2); a and c share none, but b links them.
    texts = ["w1 w2 w3 w4", "w3 w4 w5 w6", "w5 w6 w7 w8"]
    assert cluster_jaccard(texts, 0.2) == (0, 0, 0)
    assert cluster_jaccard(texts, 0.25) == (0, 1, 2)


def test_cluster_jaccard_identical_and_empty() -> None:
    assert cluster_jaccard(["same answer"] * 4) == (0, 0, 0, 0)
    assert cluster_jaccard([]) == ()
    assert cluster_jaccard(["", ""]) == (0, 0)


def test_cluster_embeddings_average_linkage_cut() -> None:
    angles = np.deg2rad([0.0, 20.0, 40.0, 90.0])
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    # cos 20° = 0.940, cos 40° = 0.766; average 0→{20,40} = 0.853 ≥ 0.85 joins them.
    assert cluster_embeddings(vectors, 0.85) == (0, 0, 0, 1)
    assert cluster_embeddings(vectors, 0.95) == (0, 1, 2, 3)


def test_cluster_embeddings_normalises_rows() -> None:
    vectors = np.array([[10.0, 0.0], [0.1, 0.0], [0.0, 3.0]])
    assert cluster_embeddings(vectors, 0.85) == (0, 0, 1)


def test_cluster_embeddings_small_inputs() -> None:
    assert cluster_embeddings(np.zeros((0, 3))) == ()
    assert cluster_embeddings(np.ones((1, 3))) == (0,)


def test_canonical_labels_first_appearance() -> None:
    assert canonical_labels([3, 3, 1, 7, 1]) == (0, 0, 1, 2, 1)
