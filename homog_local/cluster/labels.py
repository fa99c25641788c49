"""Canonical cluster ids."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["canonical_labels"]


def canonical_labels(raw: Sequence[int]) -> tuple[int, ...]:
    """Renumber cluster ids 0, 1, 2, ... in order of first appearance.

    Examples
    --------
    >>> canonical_labels([5, 5, 2, 9, 2])
    (0, 0, 1, 2, 1)
    """
    mapping: dict[int, int] = {}
    return tuple(mapping.setdefault(int(label), len(mapping)) for label in raw)
