"""Progress events emitted by the run loop after every question."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["RunProgress", "ScrTracker"]


@dataclass(frozen=True)
class RunProgress:
    """State of a run after one question is stored.

    Parameters
    ----------
    run_id : int
        Run id.
    n_done : int
        Questions with stored results, including ones from earlier sessions.
    n_total : int
        Questions planned.
    tokens_per_s : float
        Generated tokens per second of generation time in this session.
    eta_s : float or None
        Estimated seconds until the run ends; None before the first question.
    elapsed_s : float
        Seconds since this session of the run started.
    question : str
        Text of the question just stored.
    samples : tuple of str
        Its sampled answers.
    clusters : dict of str to tuple of int
        Its cluster assignment per method.
    scr : dict of str to float
        Single-cluster rate so far, per method.
    mean_clusters : dict of str to float
        Mean number of clusters so far, per method.
    """

    run_id: int
    n_done: int
    n_total: int
    tokens_per_s: float
    eta_s: float | None
    elapsed_s: float
    question: str = ""
    samples: tuple[str, ...] = ()
    clusters: dict[str, tuple[int, ...]] = field(default_factory=dict)
    scr: dict[str, float] = field(default_factory=dict)
    mean_clusters: dict[str, float] = field(default_factory=dict)


class ScrTracker:
    """Running single-cluster rate and mean cluster count per method."""

    def __init__(self) -> None:
        self._counts: dict[str, list[int]] = {}

    def add(self, method: str, n_clusters: int) -> None:
        """Record one question's number of clusters under a method."""
        self._counts.setdefault(method, []).append(n_clusters)

    def scr(self) -> dict[str, float]:
        """Return the share of questions with exactly one cluster, per method."""
        return {m: sum(1 for c in v if c == 1) / len(v) for m, v in self._counts.items() if v}

    def mean_clusters(self) -> dict[str, float]:
        """Return the mean number of clusters, per method."""
        return {m: sum(v) / len(v) for m, v in self._counts.items() if v}
