"""Lexical clustering: Jaccard similarity of word-bigram sets, single linkage."""

from __future__ import annotations

import re
from collections.abc import Sequence

from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from homog_local.cluster.labels import canonical_labels

__all__ = ["bigram_set", "cluster_jaccard", "jaccard_similarity"]

_WORD = re.compile(r"\w+", re.UNICODE)


def bigram_set(text: str) -> frozenset[tuple[str, ...]]:
    """Return the set of lowercase word bigrams of a text.

    Notes
    -----
    Words are runs of Unicode word characters. A one-word text yields the
    set holding its single word as a 1-tuple, so short answers can still
    match; an empty text yields the empty set.

    Examples
    --------
    >>> sorted(bigram_set("Paris is nice"))
    [('is', 'nice'), ('paris', 'is')]
    >>> bigram_set("Paris")
    frozenset({('paris',)})
    """
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 2:
        return frozenset((w,) for w in words)
    return frozenset(zip(words, words[1:], strict=False))


def jaccard_similarity(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> float:
    """Return |a ∩ b| / |a ∪ b|; two empty sets count as identical (1.0)."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def cluster_jaccard(texts: Sequence[str], threshold: float = 0.4) -> tuple[int, ...]:
    """Cluster texts by single linkage over word-bigram Jaccard similarity.

    Parameters
    ----------
    texts : sequence of str
        One question's sampled answers.
    threshold : float, default 0.4
        Two texts are linked when their Jaccard similarity is ≥ threshold;
        clusters are the connected components of that graph.

    Returns
    -------
    tuple of int
        Cluster id per text, numbered by first appearance.

    Examples
    --------
    >>> cluster_jaccard(["the cat sat", "the cat sat down", "a dog ran"])
    (0, 0, 1)
    """
    n = len(texts)
    if n == 0:
        return ()
    sets = [bigram_set(t) for t in texts]
    rows: list[int] = []
    cols: list[int] = []
    for i in range(n):
        for j in range(i + 1, n):
            if jaccard_similarity(sets[i], sets[j]) >= threshold:
                rows.append(i)
                cols.append(j)
    graph = csr_matrix(([1] * len(rows), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return canonical_labels(labels.tolist())
