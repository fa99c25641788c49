"""Assemble the report of one stored run: signal quality and cost, SCR, single-cluster AUROCs."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np

from homog_local.analysis.report import SignalReport, analyze
from homog_local.errors import UndefinedMetricWarning
from homog_local.evaluation.run_data import (
    RunData,
    SignalTier,
    score_table,
    signal_cost,
    signal_stages,
    signal_tier,
)
from homog_local.metrics.auroc import AurocResult, auroc_with_ci
from homog_local.metrics.bootstrap import ProportionResult, proportion_ci
from homog_local.store import RunRecord

__all__ = [
    "RunReport",
    "ScrRow",
    "SignalRow",
    "SingleClusterAuroc",
    "build_run_report",
    "constant_by_construction",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignalRow:
    """Quality and cost of one signal over the run's labelled questions.

    Attributes
    ----------
    metrics : SignalReport
        AUROC with CI, PRR, AURC, accuracy at each coverage, calibration.
    accuracy_at_50 : float
        Accuracy of the 50 % most certain greedy answers (NaN when undefined).
    stages : tuple of str
        Stages whose cost the signal carries.
    mean_s, mean_tokens : float
        Mean seconds and generated tokens per question over those stages.
    stages_without_cost : tuple of str
        Stages with no cost rows in the run; they add nothing to the cost.
    undefined : dict of str to int
        Stored reasons why the signal is undefined, with counts.
    """

    metrics: SignalReport
    accuracy_at_50: float
    stages: tuple[str, ...]
    mean_s: float
    mean_tokens: float
    stages_without_cost: tuple[str, ...]
    undefined: dict[str, int]


@dataclass(frozen=True)
class ScrRow:
    """Single-cluster rate of one clusterer over every finished question.

    Attributes
    ----------
    method : str
        Clusterer label.
    scr : ProportionResult
        Share of questions whose samples form one cluster, Wilson CI.
    mean_clusters : float
        Mean number of clusters per question.
    """

    method: str
    scr: ProportionResult
    mean_clusters: float


@dataclass(frozen=True)
class SingleClusterAuroc:
    """AUROC of one signal on the questions that one clusterer put in a single cluster.

    Attributes
    ----------
    method : str
        Clusterer defining the subset.
    signal : str
        Signal name.
    auroc : AurocResult
        AUROC with bootstrap CI on the subset.
    n_undefined : int
        Labelled subset questions left out because the signal is undefined.
    by_construction : bool
        True when the signal is constant on the subset by definition (it is a
        function of this clusterer's clusters), so its AUROC is exactly 0.5.
    """

    method: str
    signal: str
    auroc: AurocResult
    n_undefined: int
    by_construction: bool


@dataclass(frozen=True)
class RunReport:
    """Everything ``homog report`` prints for one run.

    Attributes
    ----------
    run : RunRecord
        The run.
    judge : str or None
        Primary judge.
    label_counts : dict of str to int
        Finished questions per label (``unlabelled`` included).
    signals : tuple of SignalRow
        Every stored signal, cheapest tier first.
    scr : tuple of ScrRow
        One row per clusterer.
    single_cluster : tuple of SingleClusterAuroc
        Per clusterer, the greedy and density signals and every sampling-based
        signal on that clusterer's single-cluster subset.
    n_resamples, seed : int
        Bootstrap settings.
    """

    run: RunRecord
    judge: str | None
    label_counts: dict[str, int]
    signals: tuple[SignalRow, ...]
    scr: tuple[ScrRow, ...]
    single_cluster: tuple[SingleClusterAuroc, ...]
    n_resamples: int
    seed: int


def constant_by_construction(signal: str, method: str) -> bool:
    """Return whether a signal is a function of ``method``'s cluster shares only.

    Such a signal takes one value on every single-cluster question (one
    cluster, entropy 0), so its AUROC on that subset is exactly 0.5.
    """
    kind, _, suffix = signal.partition(":")
    return suffix == method and kind in (
        "n_clusters", "semantic_entropy", "weighted_semantic_entropy"
    )  # fmt: skip


def _signal_row(data: RunData, name: str, n_resamples: int, seed: int) -> SignalRow:
    # One signal per table, so analyze() runs no pairwise tests and no cascade.
    metrics = analyze(score_table(data, [name]), n_resamples=n_resamples, seed=seed).signals[0]
    at_50 = next((a.accuracy for a in metrics.accuracy if a.coverage == 0.5), float("nan"))
    seconds, tokens, missing = signal_cost(name, data.stage_costs)
    return SignalRow(
        metrics, at_50, signal_stages(name, tuple(data.stage_costs)), seconds, tokens, missing,
        data.undefined.get(name, {}),
    )  # fmt: skip


def _scr_row(data: RunData, method: str) -> ScrRow:
    counts = data.cluster_counts[method]
    counts = counts[np.isfinite(counts)]
    scr = proportion_ci(counts == 1, method="wilson")
    mean = float(counts.mean()) if counts.size else float("nan")
    return ScrRow(method, scr, mean)


def _single_cluster_rows(
    data: RunData, method: str, n_resamples: int, seed: int
) -> list[SingleClusterAuroc]:
    labels = np.array(data.labels)
    labelled = np.isin(labels, ("correct", "incorrect"))
    subset = labelled & (data.cluster_counts[method] == 1)
    is_incorrect = (labels == "incorrect").astype(int)
    rows = []
    # A score that is constant on the questions it is defined on has an AUROC
    # (and bootstrap CI) that depends only on those questions' labels, so one
    # bootstrap serves every constant signal with the same defined questions.
    constant_results: dict[bytes, AurocResult] = {}
    for name, values in data.signals.items():
        suffix = name.partition(":")[2]
        if signal_tier(name) >= SignalTier.SAMPLING and suffix and not method.startswith(suffix):
            # Signals of other clusterers are not about this subset's contrast.
            continue
        defined = subset & np.isfinite(values)
        is_constant = defined.any() and bool(np.ptp(values[defined]) == 0)
        key = defined.tobytes()
        if is_constant and key in constant_results:
            result = constant_results[key]
        else:
            result = auroc_with_ci(
                values[defined], is_incorrect[defined], n_resamples=n_resamples, seed=seed
            )
            if is_constant:
                constant_results[key] = result
        rows.append(SingleClusterAuroc(
            method, name, result, int(subset.sum() - defined.sum()),
            constant_by_construction(name, method),
        ))  # fmt: skip
    return rows


def build_run_report(data: RunData, *, n_resamples: int = 10_000, seed: int = 0) -> RunReport:
    """Compute the run report from a run's finished questions.

    Parameters
    ----------
    data : RunData
        The run, with B2 already stored when it is wanted.
    n_resamples : int, default 10_000
        Bootstrap resamples of every AUROC CI.
    seed : int, default 0
        Bootstrap and calibration-split seed.

    Returns
    -------
    RunReport

    Notes
    -----
    Undefined metrics (one class, an empty subset) are NaN with a reason in
    their result. The :class:`UndefinedMetricWarning` they raise is silenced
    here because the report shows the reason. A signal's AUROC leaves out the
    questions where it is undefined. Signals that belong to another clusterer
    are left out of a clusterer's single-cluster rows.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        signals = tuple(_signal_row(data, name, n_resamples, seed) for name in data.signals)
        scr = tuple(_scr_row(data, method) for method in data.methods)
        single = tuple(
            row for method in data.methods
            for row in _single_cluster_rows(data, method, n_resamples, seed)
        )  # fmt: skip
    return RunReport(
        data.run, data.judge, data.label_counts(), signals, scr, single, n_resamples, seed
    )
