"""Equivalence rules: when two answers count as the same meaning under an NLI model."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from homog_local.cluster.spec import EquivalenceRule

__all__ = ["CONTRADICTION", "ENTAILMENT", "NEUTRAL", "is_equivalent"]

# Column indices of the canonical probability rows.
CONTRADICTION, NEUTRAL, ENTAILMENT = 0, 1, 2


def is_equivalent(
    forward: npt.NDArray[np.floating],
    backward: npt.NDArray[np.floating],
    rule: EquivalenceRule,
    threshold: float = 0.5,
) -> bool:
    """Decide whether two texts mean the same from both NLI directions.

    Parameters
    ----------
    forward : ndarray of shape (3,)
        Probabilities with the first text as premise, canonical order
        (contradiction, neutral, entailment).
    backward : ndarray of shape (3,)
        Probabilities with the second text as premise.
    rule : EquivalenceRule
        ``entail``: argmax is entailment in both directions (Kuhn et al.
        2023, "Semantic Uncertainty", bidirectional entailment).
        ``no-contradiction``: argmax is not contradiction in either
        direction, a looser rule that merges neutral pairs.
        ``entail-prob``: entailment probability above ``threshold`` in both
        directions.
    threshold : float, default 0.5
        Used by ``entail-prob`` only.

    Returns
    -------
    bool

    Examples
    --------
    >>> yes = np.array([0.1, 0.2, 0.7])
    >>> unsure = np.array([0.2, 0.5, 0.3])
    >>> is_equivalent(yes, unsure, EquivalenceRule.ENTAIL)
    False
    >>> is_equivalent(yes, unsure, EquivalenceRule.NO_CONTRADICTION)
    True
    """
    if rule is EquivalenceRule.ENTAIL:
        return bool(np.argmax(forward) == ENTAILMENT and np.argmax(backward) == ENTAILMENT)
    if rule is EquivalenceRule.NO_CONTRADICTION:
        return bool(np.argmax(forward) != CONTRADICTION and np.argmax(backward) != CONTRADICTION)
    return bool(forward[ENTAILMENT] > threshold and backward[ENTAILMENT] > threshold)
