"""Histogram bins for the results plots."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["histogram_bins"]


def histogram_bins(
    groups: dict[str, Sequence[float]], n_bins: int = 8
) -> tuple[list[str], dict[str, list[int]]]:
    """Count values of several groups into shared equal-width bins.

    Parameters
    ----------
    groups : dict of str to sequence of float
        Values per group name.
    n_bins : int, default 8
        Number of bins spanning the smallest to the largest value of all groups.

    Returns
    -------
    labels : list of str
        Lower edge of each bin, two decimals.
    counts : dict of str to list of int
        Count per bin, per group.
    """
    values = [v for group in groups.values() for v in group]
    if not values:
        return [], {name: [] for name in groups}
    low, high = min(values), max(values)
    width = (high - low) / n_bins if high > low else 1.0
    labels = [f"{low + i * width:.2f}" for i in range(n_bins)]
    counts = {}
    for name, group in groups.items():
        bins = [0] * n_bins
        for value in group:
            bins[min(int((value - low) / width), n_bins - 1)] += 1
        counts[name] = bins
    return labels, counts
