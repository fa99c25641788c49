"""Clusters from a pairwise equivalence test: greedy or connected components.

The test is asked in batches, so a model behind it (NLI or an LLM judge)
sees every pair a step needs in one call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from homog_local.cluster.labels import canonical_labels
from homog_local.cluster.spec import ClusterAssign

__all__ = ["EquivalenceTest", "cluster_by_equivalence"]

# Called with pairs (i, j), i < j, of item indices; returns one bool per pair.
EquivalenceTest = Callable[[Sequence[tuple[int, int]]], Sequence[bool]]


def cluster_by_equivalence(
    n_items: int, test: EquivalenceTest, assign: ClusterAssign
) -> tuple[int, ...]:
    """Cluster items 0..n-1 with a batched pairwise equivalence test.

    Parameters
    ----------
    n_items : int
        Number of items (distinct texts).
    test : callable
        ``test(pairs) -> bools`` for pairs ``(i, j)`` with ``i < j``.
    assign : ClusterAssign
        ``greedy``: item ``k`` is compared with the first member of every
        existing cluster (one batch per item) and joins the first cluster it
        is equivalent to, else starts a new one; at most n(n−1)/2 pairs, and
        n−1 when everything is one cluster. ``components``: all n(n−1)/2
        pairs in one batch, clusters are connected components.

    Returns
    -------
    tuple of int
        Cluster id per item, numbered by first appearance.

    Notes
    -----
    Greedy assignment depends on item order and is not transitive-closed:
    two items each equivalent to a third may end up apart. Components merge
    chains, so one ambiguous answer can join two meanings.

    Examples
    --------
    >>> same = lambda pairs: [abs(i - j) == 1 for i, j in pairs]
    >>> cluster_by_equivalence(3, same, ClusterAssign.GREEDY)
    (0, 0, 1)
    >>> cluster_by_equivalence(3, same, ClusterAssign.COMPONENTS)
    (0, 0, 0)
    """
    if n_items == 0:
        return ()
    if assign is ClusterAssign.COMPONENTS:
        pairs = [(i, j) for i in range(n_items) for j in range(i + 1, n_items)]
        verdicts = test(pairs) if pairs else []
        rows = [i for (i, _), same in zip(pairs, verdicts, strict=True) if same]
        cols = [j for (_, j), same in zip(pairs, verdicts, strict=True) if same]
        graph = csr_matrix(([1] * len(rows), (rows, cols)), shape=(n_items, n_items))
        _, labels = connected_components(graph, directed=False)
        return canonical_labels(labels.tolist())

    representatives: list[int] = []
    labels_greedy: list[int] = []
    for item in range(n_items):
        pairs = [(rep, item) for rep in representatives]
        verdicts = list(test(pairs)) if pairs else []
        joined = next((index for index, same in enumerate(verdicts) if same), None)
        if joined is None:
            representatives.append(item)
            joined = len(representatives) - 1
        labels_greedy.append(joined)
    return tuple(labels_greedy)
