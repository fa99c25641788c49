"""Build the analysis report of a :class:`ScoreTable`: per-signal metrics, pairs, cascade."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from homog_local.analysis.table import ScoreTable
from homog_local.cascade.grid import CascadeGrid, cascade_grid
from homog_local.cascade.heldout import HeldOutSummary, held_out_cascade
from homog_local.cascade.paper import PaperCascadeReport, paper_cascade_report
from homog_local.errors import ConfigError
from homog_local.metrics.auroc import AurocResult, auroc_with_ci
from homog_local.metrics.bootstrap import ProportionResult, proportion_ci
from homog_local.metrics.calibration import CalibrationResult, calibrated_error
from homog_local.metrics.correlation import CorrelationResult, correlation
from homog_local.metrics.delong import DeLongResult, delong_test
from homog_local.metrics.effect import CohensDResult, cohens_d
from homog_local.metrics.multiple_testing import benjamini_hochberg
from homog_local.metrics.selective import (
    AccuracyAtCoverage,
    PrrResult,
    accuracy_at_coverage,
    prediction_rejection_ratio,
)

__all__ = ["AnalysisReport", "PairwiseReport", "SignalReport", "analyze"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignalReport:
    """Metrics of one signal over the questions where it is defined.

    Attributes
    ----------
    name : str
        Signal name.
    n : int
        Questions with a finite value.
    n_failed : int
        Questions where the signal failed (NaN), left out of every metric.
    auroc : AurocResult
        AUROC for detecting incorrect answers, with bootstrap CI.
    prr : PrrResult
        Prediction rejection ratio and AURC.
    accuracy : tuple of AccuracyAtCoverage
        Accuracy of the most certain answers at 100 %, 90 %, ..., 10 %.
    calibration : CalibrationResult
        ECE and Brier after Platt scaling on a calibration split.
    cohens_d : CohensDResult
        Standardised difference of the scores of incorrect and correct answers.
    rate : ProportionResult or None
        Share of 1s when every value is 0 or 1 (e.g. a single-cluster flag).
    """

    name: str
    n: int
    n_failed: int
    auroc: AurocResult
    prr: PrrResult
    accuracy: tuple[AccuracyAtCoverage, ...]
    calibration: CalibrationResult
    cohens_d: CohensDResult
    rate: ProportionResult | None


@dataclass(frozen=True)
class PairwiseReport:
    """Comparison of two signals on the questions where both are defined.

    Attributes
    ----------
    a, b : str
        Signal names.
    n : int
        Questions where both are finite.
    delong : DeLongResult
        DeLong test of equal AUROCs.
    p_adjusted : float
        Benjamini-Hochberg adjusted p-value over all pairs (NaN if undefined).
    pearson, spearman : CorrelationResult
        Correlation of the two signals.
    """

    a: str
    b: str
    n: int
    delong: DeLongResult
    p_adjusted: float
    pearson: CorrelationResult
    spearman: CorrelationResult


@dataclass(frozen=True)
class AnalysisReport:
    """Everything ``homog analyze`` prints for one table.

    Attributes
    ----------
    source : str
        File path or run id.
    n_questions, n_positive, n_negative : int
        Labelled questions, incorrect and correct.
    excluded : dict of str to int
        Rows left out, by label value.
    signals : tuple of SignalReport
        One per signal, in table order.
    pairwise : tuple of PairwiseReport
        Every pair of signals.
    cascade_stages : tuple of str
        ``(cheap, costly)`` signal names, empty when no cascade was run.
    cascade : CascadeGrid or None
        In-sample cascade grid.
    held_out : HeldOutSummary or None
        Cascade fitted on calibration splits and scored held out.
    paper : PaperCascadeReport or None
        Paper-compatible figures (only with ``paper_compatible=True``).
    n_cascade_failed : int
        Questions left out of the cascade because a stage failed.
    n_resamples, seed : int
        Bootstrap settings.
    level : float
        Confidence level.
    """

    source: str
    n_questions: int
    n_positive: int
    n_negative: int
    excluded: dict[str, int]
    signals: tuple[SignalReport, ...]
    pairwise: tuple[PairwiseReport, ...]
    cascade_stages: tuple[str, ...]
    cascade: CascadeGrid | None
    held_out: HeldOutSummary | None
    paper: PaperCascadeReport | None
    n_cascade_failed: int
    n_resamples: int
    seed: int
    level: float


def _signal_report(
    table: ScoreTable, name: str, n_resamples: int, seed: int, level: float
) -> SignalReport:
    mask = table.valid(name)
    scores = table.scores[name][mask]
    labels = table.is_incorrect[mask]
    is_binary = scores.size > 0 and bool(np.all(np.isin(scores, (0.0, 1.0))))
    return SignalReport(
        name=name,
        n=int(mask.sum()),
        n_failed=int((~mask).sum()),
        auroc=auroc_with_ci(scores, labels, n_resamples=n_resamples, seed=seed, level=level),
        prr=prediction_rejection_ratio(scores, labels),
        accuracy=tuple(accuracy_at_coverage(scores, labels)),
        calibration=calibrated_error(scores, labels, seed=seed),
        cohens_d=cohens_d(scores[labels == 1], scores[labels == 0]),
        rate=proportion_ci(scores.astype(int), level=level) if is_binary else None,
    )


def _pairwise(table: ScoreTable) -> tuple[PairwiseReport, ...]:
    pairs = []
    for a, b in combinations(table.signal_names, 2):
        mask = table.valid(a, b)
        x, y = table.scores[a][mask], table.scores[b][mask]
        labels = table.is_incorrect[mask]
        pairs.append(
            (a, b, int(mask.sum()), delong_test(x, y, labels),
             correlation(x, y, "pearson"), correlation(x, y, "spearman"))
        )  # fmt: skip
    adjusted = benjamini_hochberg([p[3].p_value for p in pairs]).adjusted if pairs else []
    return tuple(
        PairwiseReport(a, b, n, test, float(q), pearson, spearman)
        for (a, b, n, test, pearson, spearman), q in zip(pairs, adjusted, strict=True)
    )


def analyze(
    table: ScoreTable,
    *,
    n_resamples: int = 10_000,
    seed: int = 0,
    level: float = 0.95,
    cascade: tuple[str, str] | None = None,
    paper_compatible: bool = False,
    n_splits: int = 20,
) -> AnalysisReport:
    """Compute the full analysis report of a score table.

    Parameters
    ----------
    table : ScoreTable
        Labels and signals (higher = less certain).
    n_resamples : int, default 10_000
        Bootstrap resamples for every CI (the paper-compatible figures keep
        their published 2,000).
    seed : int, default 0
        Seed of bootstraps and splits.
    level : float, default 0.95
        Confidence level.
    cascade : (str, str), optional
        ``(cheap, costly)`` signals for the cascade; by default the first two
        signals of the table when it has at least two.
    paper_compatible : bool, default False
        Also compute the paper-compatible cascade figures.
    n_splits : int, default 20
        Calibration/held-out splits of the cascade.

    Returns
    -------
    AnalysisReport

    Raises
    ------
    ConfigError
        If a cascade signal is not in the table, or ``paper_compatible`` is
        set with fewer than two signals.

    Notes
    -----
    Stage costs come from ``table.costs``; a missing cheap cost is 0 and a
    missing costly cost 1, so the relative cost equals the escalation rate.
    """
    names = table.signal_names
    if cascade is None and len(names) >= 2:
        cascade = (names[0], names[1])
    if cascade is not None:
        for name in cascade:
            if name not in names:
                raise ConfigError("--cascade", name, f"use two of the mapped signals: {names}")
    if paper_compatible and cascade is None:
        raise ConfigError(
            "--paper-compatible", True, "map two signals (cheap first, e.g. b1=..., b2=...)"
        )
    signals = tuple(_signal_report(table, name, n_resamples, seed, level) for name in names)
    grid = held = paper = None
    n_cascade_failed = 0
    if cascade is not None:
        cheap, costly = cascade
        mask = table.valid(cheap, costly)
        n_cascade_failed = int((~mask).sum())
        stage_scores = (table.scores[cheap][mask], table.scores[costly][mask])
        labels = table.is_incorrect[mask]
        costs = {
            "cost_cheap": float(table.costs.get(cheap, 0.0)),
            "cost_costly": float(table.costs.get(costly, 1.0)),
        }
        grid = cascade_grid(*stage_scores, labels, **costs)
        held = held_out_cascade(*stage_scores, labels, n_splits=n_splits, seed=seed, **costs)
        if paper_compatible:
            paper = paper_cascade_report(
                stage_scores[0].tolist(), stage_scores[1].tolist(), labels.tolist()
            )
    n_positive = int(table.is_incorrect.sum())
    return AnalysisReport(
        source=table.source,
        n_questions=table.n_questions,
        n_positive=n_positive,
        n_negative=table.n_questions - n_positive,
        excluded=dict(table.excluded),
        signals=signals,
        pairwise=_pairwise(table),
        cascade_stages=tuple(cascade or ()),
        cascade=grid,
        held_out=held,
        paper=paper,
        n_cascade_failed=n_cascade_failed,
        n_resamples=n_resamples,
        seed=seed,
        level=level,
    )
