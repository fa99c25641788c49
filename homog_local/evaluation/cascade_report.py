"""Assemble the cascade report of one stored run: stages ordered by measured cost.

The cascade library evaluates two stages. A chain of k stages is evaluated
as k - 1 two-stage cascades between neighbouring stages: for the pair
(i, i + 1) every stage up to i always runs and stage i + 1 runs only for
escalated questions.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from homog_local.cascade.grid import CascadeGrid, CascadeSetting, cascade_grid
from homog_local.cascade.heldout import HeldOutSummary, held_out_cascade
from homog_local.cascade.rules import (
    MinMaxNormalizer,
    RuleKind,
    cascade_scores,
    median_band_rule,
    threshold_rule,
)
from homog_local.errors import ConfigError, UndefinedMetricWarning
from homog_local.evaluation.run_data import (
    FREE_STAGES,
    RunData,
    SignalTier,
    signal_stages,
    signal_tier,
)
from homog_local.metrics.correlation import CorrelationResult, correlation
from homog_local.metrics.selective import AccuracyAtCoverage, accuracy_at_coverage

__all__ = [
    "CascadeReport",
    "PairCascade",
    "StageCorrelation",
    "StagePlan",
    "build_cascade_report",
    "default_stages",
    "plan_stages",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StagePlan:
    """One cascade stage with its measured cost.

    Attributes
    ----------
    signal : str
        Signal name.
    tier : SignalTier
        Cost class.
    marginal_s : float
        Mean seconds per question of the stages this signal needs beyond the
        cheaper stages and the greedy answer.
    cumulative_s : float
        Mean seconds per question of this stage and every cheaper one.
    cost_known : bool
        False when a needed stage has no cost rows (its cost counts as 0).
    """

    signal: str
    tier: SignalTier
    marginal_s: float
    cumulative_s: float
    cost_known: bool


@dataclass(frozen=True)
class PairCascade:
    """Two-stage cascade between neighbouring stages.

    Attributes
    ----------
    cheap, costly : str
        Signal names.
    cost_cheap, cost_costly : float
        Costs given to the grid: the cumulative cost up to ``cheap`` and the
        marginal cost of ``costly`` (seconds, or 0 and 1 when unknown).
    cost_total : float
        Cumulative cost of every stage of the chain, in the same unit.
    grid : CascadeGrid
        In-sample grid of both rules.
    held_out : HeldOutSummary
        Median-band rule fitted on calibration splits and scored held out.
    cascade_scores : tuple of float
        Score of the matched setting of the chosen rule per question; empty
        when no setting reaches the quality target.
    matched_rule : RuleKind
        Rule whose matched setting gives ``cascade_scores``.
    """

    cheap: str
    costly: str
    cost_cheap: float
    cost_costly: float
    cost_total: float
    grid: CascadeGrid
    held_out: HeldOutSummary
    cascade_scores: tuple[float, ...]
    matched_rule: RuleKind

    def cost_vs_all(self, setting: CascadeSetting) -> float:
        """Return the setting's cost per question relative to running every stage of the chain."""
        spent = self.cost_cheap + setting.escalation_rate * self.cost_costly
        return spent / self.cost_total if self.cost_total > 0 else math.nan


@dataclass(frozen=True)
class StageCorrelation:
    """Pearson and Spearman correlation of two stage scores."""

    a: str
    b: str
    pearson: CorrelationResult
    spearman: CorrelationResult


@dataclass(frozen=True)
class CascadeReport:
    """Everything ``homog cascade`` prints for one run.

    Attributes
    ----------
    run_id : int
        Run id.
    stages : tuple of StagePlan
        Stages, cheapest first.
    n_questions, n_positive, n_negative : int
        Labelled questions with every stage defined, incorrect and correct.
    n_left_out : int
        Labelled questions left out because a stage is undefined.
    pairs : tuple of PairCascade
        One cascade per neighbouring pair of stages.
    correlations : tuple of StageCorrelation
        Every pair of stages.
    coverage : tuple of (str, tuple of AccuracyAtCoverage)
        Accuracy at coverage of each stage, then of each pair's cascade.
    cost_unit : str
        ``seconds``, or ``escalation rate`` when some stage cost is unknown.
    rules : tuple of RuleKind
        Rules shown.
    n_splits, seed : int
        Held-out splits and their seed.
    """

    run_id: int
    stages: tuple[StagePlan, ...]
    n_questions: int
    n_positive: int
    n_negative: int
    n_left_out: int
    pairs: tuple[PairCascade, ...]
    correlations: tuple[StageCorrelation, ...]
    coverage: tuple[tuple[str, tuple[AccuracyAtCoverage, ...]], ...]
    cost_unit: str
    rules: tuple[RuleKind, ...]
    n_splits: int
    seed: int


def default_stages(data: RunData) -> list[str]:
    """Pick B1, B2, the cheapest semantic entropy and the cheapest NLI signal that are stored.

    Notes
    -----
    The sampling and NLI tiers each contribute one signal: a semantic entropy
    when there is one, else the cheapest signal of the tier.
    """
    names = list(data.signals)
    chosen = [n for n in ("b1_mean_token_entropy", "b2_density_uncertainty") if n in names]
    for tier in (SignalTier.SAMPLING, SignalTier.NLI):
        in_tier = [n for n in names if signal_tier(n) is tier]
        preferred = [n for n in in_tier if n.startswith("semantic_entropy:")] or in_tier
        if preferred:
            chosen.append(min(preferred, key=lambda n: (_cost(data, n, set())[0], n)))
    return chosen


def _cost(data: RunData, name: str, paid: set[str]) -> tuple[float, bool]:
    stages = [s for s in signal_stages(name, tuple(data.stage_costs)) if s not in paid]
    known = all(s in data.stage_costs or s in FREE_STAGES for s in stages)
    seconds = sum(data.stage_costs[s].mean_s for s in stages
                  if s in data.stage_costs and s not in FREE_STAGES)
    return float(seconds), known


def plan_stages(data: RunData, names: Sequence[str]) -> tuple[StagePlan, ...]:
    """Order signals by tier, then measured cost, and compute marginal and cumulative costs.

    Raises
    ------
    ConfigError
        If a name is not a stored signal, repeats, or fewer than two are given.
    """
    for name in names:
        if name not in data.signals:
            raise ConfigError("--stages", name,
                              f"use stored signals of run {data.run.id}: {', '.join(data.signals)}")
    if len(set(names)) != len(names) or len(names) < 2:
        raise ConfigError("--stages", ",".join(names), "give at least two different signals")
    ordered = sorted(names, key=lambda n: (int(signal_tier(n)), _cost(data, n, set())[0], n))
    if list(ordered) != list(names):
        log.info("stages ordered by cost: %s", ", ".join(ordered))
    plans = []
    paid: set[str] = set(FREE_STAGES)
    cumulative = 0.0
    for name in ordered:
        marginal, known = _cost(data, name, paid)
        paid.update(signal_stages(name, tuple(data.stage_costs)))
        cumulative += marginal
        plans.append(StagePlan(name, signal_tier(name), marginal, cumulative, known))
    return tuple(plans)


def _matched_scores(
    grid: CascadeGrid, cheap: np.ndarray, costly: np.ndarray, rule: RuleKind
) -> tuple[float, ...]:
    setting = grid.matched_for(rule)
    if setting is None:
        return ()
    cheap_n = MinMaxNormalizer.fit(cheap).transform(cheap)
    costly_n = MinMaxNormalizer.fit(costly).transform(costly)
    if rule is RuleKind.MEDIAN_BAND:
        escalation = median_band_rule(setting.parameter, cheap_n)
    else:
        escalation = threshold_rule(setting.parameter)
    combined = cascade_scores(cheap_n, costly_n, escalation.escalate(cheap_n),
                              grid.parallel.weight)
    return tuple(float(v) for v in combined)


def build_cascade_report(
    data: RunData,
    stages: Sequence[str],
    *,
    rules: Sequence[RuleKind] = (RuleKind.MEDIAN_BAND, RuleKind.THRESHOLD),
    n_splits: int = 20,
    seed: int = 0,
) -> CascadeReport:
    """Evaluate the cascade of the given stages on a run's labelled questions.

    Parameters
    ----------
    data : RunData
        The run, with B2 stored when it is a stage.
    stages : sequence of str
        At least two stored signals; they are reordered by tier and cost.
    rules : sequence of RuleKind, default both
        Rules to show; the first one gives the cascade's coverage table.
    n_splits : int, default 20
        Calibration/held-out splits.
    seed : int, default 0
        Seed of the splits.

    Returns
    -------
    CascadeReport

    Raises
    ------
    ConfigError
        If a stage is not stored, or no labelled question has every stage defined.

    Notes
    -----
    Every figure uses the labelled questions where all stages are defined, so
    the stages are compared on the same questions. When a stage's cost is
    unknown or every stage costs 0 s, costs fall back to 0 for the cheap and
    1 for the costly stage of each pair, so relative cost equals the
    escalation rate. The held-out figures use the median-band rule, the only
    rule :func:`homog_local.cascade.held_out_cascade` fits.
    """
    plans = plan_stages(data, stages)
    names = [p.signal for p in plans]
    labels = np.array(data.labels)
    labelled = np.isin(labels, ("correct", "incorrect"))
    mask = labelled.copy()
    for name in names:
        mask &= np.isfinite(data.signals[name])
    if not mask.any():
        raise ConfigError("--stages", ",".join(names),
                          "no labelled question has every stage defined; pick other stages")
    is_incorrect = (labels[mask] == "incorrect").astype(np.int8)
    scores = {name: data.signals[name][mask] for name in names}
    known = all(p.cost_known for p in plans) and plans[-1].cumulative_s > 0
    cost_unit = "seconds" if known else "escalation rate"
    pairs = []
    coverage: list[tuple[str, tuple[AccuracyAtCoverage, ...]]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        for low, high in zip(plans, plans[1:], strict=False):
            if known and low.cumulative_s + high.marginal_s > 0:
                costs = (low.cumulative_s, high.marginal_s, plans[-1].cumulative_s)
            else:
                costs = (0.0, 1.0, 1.0)
            cheap, costly = scores[low.signal], scores[high.signal]
            grid = cascade_grid(cheap, costly, is_incorrect, cost_cheap=costs[0],
                                cost_costly=costs[1])
            held_out = held_out_cascade(cheap, costly, is_incorrect, n_splits=n_splits, seed=seed,
                                        cost_cheap=costs[0], cost_costly=costs[1])
            rule = rules[0]
            combined = () if grid.undefined_reason else _matched_scores(grid, cheap, costly, rule)
            pairs.append(
                PairCascade(low.signal, high.signal, *costs, grid, held_out, combined, rule)
            )
        correlations = tuple(
            StageCorrelation(a, b, correlation(scores[a], scores[b], "pearson"),
                             correlation(scores[a], scores[b], "spearman"))
            for a, b in combinations(names, 2)
        )  # fmt: skip
        for name in names:
            coverage.append((name, tuple(accuracy_at_coverage(scores[name], is_incorrect))))
        for pair in pairs:
            if pair.cascade_scores:
                label = f"cascade {pair.cheap} \u2192 {pair.costly}"
                coverage.append(
                    (label, tuple(accuracy_at_coverage(pair.cascade_scores, is_incorrect)))
                )
    n_positive = int(is_incorrect.sum())
    return CascadeReport(
        data.run.id, plans, int(mask.sum()), n_positive, int(mask.sum()) - n_positive,
        int(labelled.sum() - mask.sum()), tuple(pairs), correlations, tuple(coverage),
        cost_unit, tuple(rules), n_splits, seed,
    )  # fmt: skip
