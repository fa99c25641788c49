"""Paper-compatible UCBD cascade report that reproduces published figures exactly.

The figures of the cascade report of "The Alignment Tax" (arXiv 2603.24124;
data and results of the public repository DigitLion/ucbd-experiment) come from
plain Python floats in a fixed evaluation order. This module repeats that
order, and additionally lists near-tied weights whose choice changes the
headline saving. For new analyses use :func:`homog_local.cascade.grid.cascade_grid`.

On the released ``v1b_density.jsonl`` the published figures come out with
``density_binary`` as B2, negated (``--map label=label,b1=mean_entropy,
b2=-density_binary``): B1-only 0.5196 [0.4628, 0.5754], parallel 0.5323 at
w = 0.65, cascade delta 0.10 with 42.6 % escalation (57.4 % saving). With
``density_all`` the parallel AUROC is 0.5344 at w = 0.60 instead.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from homog_local.metrics.auroc import auroc_for_indices
from homog_local.metrics.paper_compat import (
    PaperInterval,
    minmax_normalize_floats,
    order_statistic_interval,
    python_random_indices,
    trapezoid_auroc,
)

__all__ = ["PaperCascadeReport", "PaperFrontierRow", "paper_cascade_report"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PaperFrontierRow:
    """One median-band setting of the paper's escalation/AUROC frontier.

    Attributes
    ----------
    delta : float
        Band half-width ``i * 0.02``.
    escalation_rate : float
        Share of questions sent to the costly stage (the paper's average cost).
    auroc : float
        Trapezoid AUROC of the cascade score.
    """

    delta: float
    escalation_rate: float
    auroc: float


@dataclass(frozen=True)
class PaperCascadeReport:
    """Paper-compatible cascade figures.

    Attributes
    ----------
    n_positive, n_negative : int
        Incorrect and correct answers.
    cheap_auroc : float
        AUROC of the normalised cheap score alone (B1-only).
    cheap_ci : PaperInterval
        Its bootstrap CI.
    weight : float
        First best weight ``i * 0.05`` of the cheap score (strict ``>`` keeps
        the first maximum).
    parallel_auroc : float
        AUROC of ``w * cheap + (1 - w) * costly`` at ``weight``.
    parallel_ci : PaperInterval
        Its bootstrap CI.
    near_tie_weights : tuple of (float, float)
        Other weights whose parallel AUROC is within ``tie_tolerance``, with
        their AUROC.
    median : float
        ``sorted(cheap)[n // 2]``.
    frontier : tuple of PaperFrontierRow
        Every ``delta = i * 0.02``, ``i = 0 .. 25``.
    matched : PaperFrontierRow or None
        First (cheapest) delta with AUROC >= 0.99 * ``parallel_auroc``.
    saving : float
        ``1 - matched.escalation_rate`` (NaN when nothing matched).
    best : PaperFrontierRow
        First delta with the highest cascade AUROC.
    best_ci : PaperInterval
        CI of the cascade AUROC at ``best``.
    alternatives : tuple of (float, PaperFrontierRow or None)
        For each near-tied weight, the matched row it would give.
    tie_tolerance : float
        Tolerance for near-ties.
    """

    n_positive: int
    n_negative: int
    cheap_auroc: float
    cheap_ci: PaperInterval
    weight: float
    parallel_auroc: float
    parallel_ci: PaperInterval
    near_tie_weights: tuple[tuple[float, float], ...]
    median: float
    frontier: tuple[PaperFrontierRow, ...]
    matched: PaperFrontierRow | None
    saving: float
    best: PaperFrontierRow
    best_ci: PaperInterval
    alternatives: tuple[tuple[float, PaperFrontierRow | None], ...]
    tie_tolerance: float

    @property
    def fragile(self) -> bool:
        """Whether a near-tied weight gives a different matched setting."""
        return any(
            (row is None) != (self.matched is None)
            or (row is not None and self.matched is not None and row.delta != self.matched.delta)
            for _, row in self.alternatives
        )


def _combine(cheap: Sequence[float], costly: Sequence[float], weight: float) -> list[float]:
    # Evaluation order matters: w * a + (1 - w) * b with w = i * 0.05 as a Python float.
    return [weight * a + (1 - weight) * b for a, b in zip(cheap, costly, strict=True)]


def _frontier(
    cheap: list[float], costly: list[float], labels: list[int], weight: float, median: float
) -> list[tuple[PaperFrontierRow, list[float]]]:
    rows = []
    combined = _combine(cheap, costly, weight)
    for j in range(26):
        delta = j * 0.02
        escalate = [abs(a - median) <= delta for a in cheap]
        scores = [c if e else a for a, c, e in zip(cheap, combined, escalate, strict=True)]
        rate = sum(escalate) / len(escalate)
        rows.append((PaperFrontierRow(delta, rate, trapezoid_auroc(scores, labels)), scores))
    return rows


def _first_matching(
    rows: list[tuple[PaperFrontierRow, list[float]]], target: float
) -> PaperFrontierRow | None:
    return next((row for row, _ in rows if row.auroc >= target), None)


def paper_cascade_report(
    cheap: Sequence[float],
    costly: Sequence[float],
    is_incorrect: Sequence[int],
    *,
    n_resamples: int = 2000,
    seed: int = 42,
    tie_tolerance: float = 1e-9,
) -> PaperCascadeReport:
    """Reproduce the paper's cascade-versus-parallel figures.

    Parameters
    ----------
    cheap : sequence of float
        Cheap stage score, an uncertainty (B1: mean token entropy).
    costly : sequence of float
        Costly stage score as an uncertainty. The paper's B2 is a density
        (higher = more typical), so pass its negation.
    is_incorrect : sequence of {0, 1}
        1 when the answer is incorrect.
    n_resamples : int, default 2000
        Resamples of each bootstrap CI.
    seed : int, default 42
        Seed of the fresh ``random.Random`` used for each CI.
    tie_tolerance : float, default 1e-9
        Parallel AUROCs within this of the best count as tied.

    Returns
    -------
    PaperCascadeReport

    Notes
    -----
    Both scores are min-max normalised over all questions. The weight grid is
    ``w = i * 0.05`` and the band grid ``delta = i * 0.02``; a question is
    escalated when ``|cheap - median| <= delta`` and then scored with
    ``w * cheap + (1 - w) * costly``, otherwise with ``cheap``. AUROCs are
    trapezoids in Python floats (:func:`trapezoid_auroc`). On the released
    401-question file the parallel AUROCs at ``w = 0.60`` and ``w = 0.65`` are
    exactly equal as fractions and differ by about 1e-15 in floats, so the
    reported weight, band and saving rest on rounding; ``alternatives`` shows
    what the tied weight gives.
    """
    labels = [int(v) for v in is_incorrect]
    cheap_n = minmax_normalize_floats(list(cheap))
    costly_n = minmax_normalize_floats(list(costly))
    cheap_auroc = trapezoid_auroc(cheap_n, labels)
    curve = [
        (i * 0.05, trapezoid_auroc(_combine(cheap_n, costly_n, i * 0.05), labels))
        for i in range(21)
    ]
    weight, parallel_auroc = curve[0]
    for w, value in curve[1:]:
        if value > parallel_auroc:
            weight, parallel_auroc = w, value
    ties = tuple(
        (w, value)
        for w, value in curve
        if w != weight and abs(value - parallel_auroc) <= tie_tolerance
    )
    median = sorted(cheap_n)[len(cheap_n) // 2]
    rows = _frontier(cheap_n, costly_n, labels, weight, median)
    target = 0.99 * parallel_auroc
    matched = _first_matching(rows, target)
    best_row, best_scores = rows[0]
    for row, scores in rows[1:]:
        if row.auroc > best_row.auroc:
            best_row, best_scores = row, scores
    alternatives = tuple(
        (w, _first_matching(_frontier(cheap_n, costly_n, labels, w, median), target))
        for w, _ in ties
    )

    # Each published CI restarts random.Random(seed), so all three share these draws.
    indices = python_random_indices(len(labels), n_resamples, seed)

    def interval(scores: list[float]) -> PaperInterval:
        return order_statistic_interval(auroc_for_indices(scores, labels, indices), 0.95, seed)

    n_positive = sum(labels)
    return PaperCascadeReport(
        n_positive=n_positive,
        n_negative=len(labels) - n_positive,
        cheap_auroc=cheap_auroc,
        cheap_ci=interval(cheap_n),
        weight=weight,
        parallel_auroc=parallel_auroc,
        parallel_ci=interval(_combine(cheap_n, costly_n, weight)),
        near_tie_weights=ties,
        median=median,
        frontier=tuple(row for row, _ in rows),
        matched=matched,
        saving=(1.0 - matched.escalation_rate) if matched else float("nan"),
        best=best_row,
        best_ci=interval(best_scores),
        alternatives=alternatives,
        tie_tolerance=tie_tolerance,
    )
