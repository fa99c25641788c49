"""Grid report of a two-stage cascade: escalation rate, cost and AUROC per setting."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from homog_local.cascade.rules import (
    EscalationRule,
    MinMaxNormalizer,
    RuleKind,
    cascade_scores,
    median_band_rule,
    relative_cost,
    threshold_rule,
)
from homog_local.metrics._checks import as_labels, as_scores, warn_undefined
from homog_local.metrics.auroc import auroc
from homog_local.metrics.correlation import CorrelationResult, correlation

__all__ = [
    "DEFAULT_DELTAS",
    "DEFAULT_THRESHOLDS",
    "DEFAULT_WEIGHTS",
    "CascadeGrid",
    "CascadeSetting",
    "WeightChoice",
    "cascade_grid",
    "choose_weight",
    "cheapest_matching",
    "evaluate_rule",
]

log = logging.getLogger(__name__)

#: Weights of the cheap score in the combination: 0, 0.05, ..., 1.
DEFAULT_WEIGHTS: tuple[float, ...] = tuple(i * 0.05 for i in range(21))
#: Median-band half-widths: 0, 0.02, ..., 0.5.
DEFAULT_DELTAS: tuple[float, ...] = tuple(i * 0.02 for i in range(26))
#: Thresholds on the normalised cheap score: 0, 0.05, ..., 1.
DEFAULT_THRESHOLDS: tuple[float, ...] = tuple(i * 0.05 for i in range(21))


@dataclass(frozen=True)
class CascadeSetting:
    """One cascade setting evaluated on a set of questions.

    Attributes
    ----------
    rule : RuleKind
        Escalation rule.
    parameter : float
        Band half-width or threshold.
    n_escalated : int
        Questions sent to the costly stage.
    escalation_rate : float
        ``n_escalated / n``.
    relative_cost : float
        Cost per question relative to running both stages on every question.
    auroc : float
        AUROC of the cascade score.
    """

    rule: RuleKind
    parameter: float
    n_escalated: int
    escalation_rate: float
    relative_cost: float
    auroc: float


@dataclass(frozen=True)
class WeightChoice:
    """Best weight of the cheap score in the all-stages (parallel) combination.

    Attributes
    ----------
    weight : float
        First weight of the grid with the highest AUROC.
    auroc : float
        Parallel AUROC at ``weight``.
    near_ties : tuple of float
        Other weights whose AUROC is within the tie tolerance of the best. When
        not empty, which weight "wins" is decided by rounding, not by the data.
    curve : tuple of (float, float)
        ``(weight, auroc)`` for every weight of the grid.
    """

    weight: float
    auroc: float
    near_ties: tuple[float, ...]
    curve: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class CascadeGrid:
    """Cascade grid report over one set of questions (in-sample).

    Attributes
    ----------
    cheap_auroc, costly_auroc : float
        AUROC of each stage alone.
    parallel : WeightChoice
        All-stages combination and its best weight.
    settings : tuple of CascadeSetting
        Every rule and parameter of the grid, at ``parallel.weight``.
    matched : tuple of (RuleKind, CascadeSetting or None)
        Per rule, the cheapest setting with AUROC >= ``quality_fraction`` times
        the parallel AUROC.
    quality_fraction : float
        Share of the parallel AUROC a setting must reach, e.g. 0.99.
    alternatives : tuple of (float, CascadeSetting or None)
        For each near-tied weight, the cheapest matching median-band setting.
    fragile : bool
        True when near-tied weights give different matched settings, or a
        matched AUROC is within the tolerance of the target.
    fragility_note : str
        Explanation in words when ``fragile``.
    pearson, spearman : CorrelationResult
        Correlation of the two stage scores.
    n_positive, n_negative : int
        Incorrect and correct answers.
    cost_cheap, cost_costly : float
        Stage costs used for ``relative_cost``.
    undefined_reason : str
        Why the grid is empty; empty otherwise.
    """

    cheap_auroc: float
    costly_auroc: float
    parallel: WeightChoice
    settings: tuple[CascadeSetting, ...]
    matched: tuple[tuple[RuleKind, CascadeSetting | None], ...]
    quality_fraction: float
    alternatives: tuple[tuple[float, CascadeSetting | None], ...]
    fragile: bool
    fragility_note: str
    pearson: CorrelationResult
    spearman: CorrelationResult
    n_positive: int
    n_negative: int
    cost_cheap: float
    cost_costly: float
    undefined_reason: str = ""

    def matched_for(self, rule: RuleKind) -> CascadeSetting | None:
        """Return the matched setting of ``rule`` (None when no setting matched)."""
        return dict(self.matched).get(rule)


def choose_weight(
    cheap: np.ndarray,
    costly: np.ndarray,
    labels: np.ndarray,
    weights: Sequence[float],
    tie_tolerance: float,
) -> WeightChoice:
    """Pick the first weight with the highest parallel AUROC and list near-ties."""
    curve = tuple((float(w), auroc(w * cheap + (1.0 - w) * costly, labels)) for w in weights)
    best_weight, best_auroc = curve[0]
    for weight, value in curve[1:]:
        if value > best_auroc:
            best_weight, best_auroc = weight, value
    ties = tuple(
        w for w, value in curve if w != best_weight and abs(value - best_auroc) <= tie_tolerance
    )
    return WeightChoice(best_weight, best_auroc, ties, curve)


def evaluate_rule(
    rule: EscalationRule,
    cheap: np.ndarray,
    costly: np.ndarray,
    labels: np.ndarray,
    weight: float,
    costs: tuple[float, float],
) -> CascadeSetting:
    """Evaluate one escalation rule on normalised stage scores."""
    escalate = rule.escalate(cheap)
    n_escalated = int(escalate.sum())
    rate = n_escalated / cheap.shape[0]
    value = auroc(cascade_scores(cheap, costly, escalate, weight), labels)
    cost = relative_cost(rate, *costs)
    return CascadeSetting(rule.kind, rule.parameter, n_escalated, rate, cost, value)


def cheapest_matching(settings: Sequence[CascadeSetting], target: float) -> CascadeSetting | None:
    """Return the lowest-cost setting with AUROC >= ``target`` (first on cost ties)."""
    matching = [s for s in settings if s.auroc >= target]
    return min(matching, key=lambda s: s.relative_cost) if matching else None


def _rule_grid(
    cheap: np.ndarray, deltas: Sequence[float], thresholds: Sequence[float]
) -> list[EscalationRule]:
    rules = [median_band_rule(d, cheap) for d in deltas]
    return rules + [threshold_rule(t) for t in thresholds]


def cascade_grid(
    cheap: ArrayLike,
    costly: ArrayLike,
    is_incorrect: ArrayLike,
    *,
    weights: Sequence[float] = DEFAULT_WEIGHTS,
    deltas: Sequence[float] = DEFAULT_DELTAS,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    cost_cheap: float = 0.0,
    cost_costly: float = 1.0,
    quality_fraction: float = 0.99,
    tie_tolerance: float = 1e-9,
) -> CascadeGrid:
    """Evaluate a two-stage cascade over a grid of rules, in-sample.

    Parameters
    ----------
    cheap, costly : array-like of float, shape (n,)
        Stage scores (uncertainties) of the same questions.
    is_incorrect : array-like of {0, 1}, shape (n,)
        1 when the answer is incorrect.
    weights : sequence of float, default 0, 0.05, ..., 1
        Weights of the cheap score tried for the all-stages combination.
    deltas : sequence of float, default 0, 0.02, ..., 0.5
        Median-band half-widths.
    thresholds : sequence of float, default 0, 0.05, ..., 1
        Thresholds of the plain threshold rule.
    cost_cheap, cost_costly : float, default 0 and 1
        Cost per question of each stage in any one unit (seconds, tokens).
    quality_fraction : float, default 0.99
        The matched setting must reach this share of the parallel AUROC.
    tie_tolerance : float, default 1e-9
        AUROCs closer than this count as tied.

    Returns
    -------
    CascadeGrid

    Warns
    -----
    UndefinedMetricWarning
        When one class is missing; the grid is then empty.

    Notes
    -----
    Both scores are min-max normalised on all questions. The parallel score
    is :math:`w c + (1 - w) e`; the best ``w`` is then used for the escalated
    questions of every setting. Settings, weights and the median are all chosen
    on the evaluated questions, so the figures are optimistic: use
    :func:`homog_local.cascade.heldout.held_out_cascade` for held-out figures.
    """
    cheap_raw = as_scores(cheap, "cheap")
    costly_raw = as_scores(costly, "costly")
    if cheap_raw.shape != costly_raw.shape:
        raise ValueError(
            f"cheap and costly differ in length: {cheap_raw.shape[0]} vs {costly_raw.shape[0]}"
        )
    labels = as_labels(is_incorrect, cheap_raw.shape[0])
    n_positive = int(labels.sum())
    n_negative = int(labels.shape[0]) - n_positive
    costs = (float(cost_cheap), float(cost_costly))
    relative_cost(0.0, *costs)  # validates the costs before any work
    pearson = correlation(cheap_raw, costly_raw, "pearson")
    spearman = correlation(cheap_raw, costly_raw, "spearman")
    if n_positive == 0 or n_negative == 0:
        reason = f"needs both classes (n+={n_positive}, n-={n_negative})"
        warn_undefined("cascade grid", reason)
        empty = WeightChoice(math.nan, math.nan, (), ())
        return CascadeGrid(
            math.nan, math.nan, empty, (), (), quality_fraction, (), False, "",
            pearson, spearman, n_positive, n_negative, *costs, reason,
        )  # fmt: skip
    cheap_n = MinMaxNormalizer.fit(cheap_raw).transform(cheap_raw)
    costly_n = MinMaxNormalizer.fit(costly_raw).transform(costly_raw)
    parallel = choose_weight(cheap_n, costly_n, labels, weights, tie_tolerance)
    target = quality_fraction * parallel.auroc
    rules = _rule_grid(cheap_n, deltas, thresholds)
    settings = tuple(
        evaluate_rule(rule, cheap_n, costly_n, labels, parallel.weight, costs) for rule in rules
    )
    matched = tuple(
        (kind, cheapest_matching([s for s in settings if s.rule is kind], target))
        for kind in RuleKind
    )
    band_rules = [r for r in rules if r.kind is RuleKind.MEDIAN_BAND]
    alternatives = tuple(
        (
            w,
            cheapest_matching(
                [evaluate_rule(r, cheap_n, costly_n, labels, w, costs) for r in band_rules],
                target,
            ),
        )
        for w in parallel.near_ties
    )
    notes = _fragility_notes(parallel, dict(matched), alternatives, target, tie_tolerance)
    return CascadeGrid(
        auroc(cheap_n, labels),
        auroc(costly_n, labels),
        parallel,
        settings,
        matched,
        quality_fraction,
        alternatives,
        bool(notes),
        " ".join(notes),
        pearson,
        spearman,
        n_positive,
        n_negative,
        *costs,
    )


def _fragility_notes(
    parallel: WeightChoice,
    matched: dict[RuleKind, CascadeSetting | None],
    alternatives: tuple[tuple[float, CascadeSetting | None], ...],
    target: float,
    tolerance: float,
) -> list[str]:
    notes = []
    band = matched.get(RuleKind.MEDIAN_BAND)
    differing = [
        (w, s)
        for w, s in alternatives
        if (s is None) != (band is None)
        or (s is not None and band is not None and s.parameter != band.parameter)
    ]
    if differing:
        options = [(parallel.weight, band), *differing]
        described = "; ".join(
            f"w={w:.2f} gives "
            + ("no matching band" if s is None else f"delta={s.parameter:.2f} "
               f"(saving {1 - s.relative_cost:.1%})")
            for w, s in options
        )  # fmt: skip
        notes.append(
            f"The best weight is a near-tie (AUROCs within {tolerance:g}) and the tied "
            f"weights lead to different matched settings: {described}."
        )
    for kind, setting in matched.items():
        if setting is not None and setting.auroc - target <= tolerance:
            notes.append(
                f"The matched {kind.value} setting reaches the quality target by at most "
                f"{tolerance:g}; rounding decides whether it qualifies."
            )
    return notes
