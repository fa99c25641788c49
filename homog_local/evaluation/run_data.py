"""Read a stored run into arrays: labels, signals, cluster counts and stage costs.

Every command that evaluates stored runs (report, cascade, compare) starts
from :class:`RunData`, and :func:`score_table` turns it into the
:class:`homog_local.analysis.ScoreTable` that the analysis library takes.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from homog_local.analysis.table import ScoreTable
from homog_local.density import B2_SIGNAL, STAGE_DENSITY, DensityOutcome, ensure_density_signal
from homog_local.errors import HomogError
from homog_local.signals import B1_MAX, B1_MEAN, describe_signal
from homog_local.store import RunRecord, Store

__all__ = [
    "FREE_STAGES",
    "RunData",
    "SignalTier",
    "StageCostStats",
    "load_run_data",
    "load_run_data_with_b2",
    "score_table",
    "signal_cost",
    "signal_stages",
    "signal_tier",
]

log = logging.getLogger(__name__)

#: Stages every question pays anyway: the greedy answer is the answer itself.
FREE_STAGES: frozenset[str] = frozenset({"greedy"})


class SignalTier(IntEnum):
    """Cost class of a signal, cheapest first; cascades order stages by it, then by cost."""

    GREEDY = 0
    DENSITY = 1
    SAMPLING = 2
    NLI = 3


@dataclass(frozen=True)
class StageCostStats:
    """Mean measured cost of one pipeline stage per question.

    Attributes
    ----------
    stage : str
        ``greedy``, ``sampling``, ``cluster:<method>``, ``judge`` or ``density``.
    mean_s : float
        Mean wall time in seconds over the questions with a cost row.
    mean_tokens : float
        Mean generated tokens (0 for stages that generate none).
    n_questions : int
        Questions with a cost row for this stage.
    """

    stage: str
    mean_s: float
    mean_tokens: float
    n_questions: int


@dataclass(frozen=True, eq=False)
class RunData:
    """The finished questions of one stored run as aligned arrays.

    Attributes
    ----------
    run : RunRecord
        The run.
    qids : tuple of str
        Finished questions in dataset order; every array below follows it.
    labels : tuple of str
        Primary judge's label per question (``correct``, ``incorrect``,
        ``ambiguous``), or ``unlabelled``.
    judge : str or None
        Name of the primary judge.
    signals : dict of str to numpy.ndarray
        Signal values, NaN where undefined or not stored, in tier order.
    undefined : dict of str to dict of str to int
        Per signal, the stored reasons it is undefined, with counts.
    cluster_counts : dict of str to numpy.ndarray
        Number of clusters per question for each clusterer, NaN where absent.
    stage_costs : dict of str to StageCostStats
        Mean cost of each stage that has cost rows.
    """

    run: RunRecord
    qids: tuple[str, ...]
    labels: tuple[str, ...]
    judge: str | None
    signals: dict[str, np.ndarray]
    undefined: dict[str, dict[str, int]] = field(default_factory=dict)
    cluster_counts: dict[str, np.ndarray] = field(default_factory=dict)
    stage_costs: dict[str, StageCostStats] = field(default_factory=dict)

    @property
    def n_questions(self) -> int:
        """Number of finished questions."""
        return len(self.qids)

    @property
    def methods(self) -> tuple[str, ...]:
        """Clusterer labels, sorted."""
        return tuple(self.cluster_counts)

    def label_counts(self) -> dict[str, int]:
        """Return the number of questions per primary label."""
        return dict(Counter(self.labels))


def signal_tier(name: str) -> SignalTier:
    """Return the cost class of a signal name.

    Notes
    -----
    ``b1_*`` needs only the greedy answer, B2 only an embedding of the
    question, names containing ``nli`` need an NLI model over sample pairs,
    and every other stored signal needs the sampled answers.
    """
    if name.startswith("b1_"):
        return SignalTier.GREEDY
    if name == B2_SIGNAL:
        return SignalTier.DENSITY
    if "nli" in name:
        return SignalTier.NLI
    return SignalTier.SAMPLING


def signal_stages(name: str, known_stages: Sequence[str] = ()) -> tuple[str, ...]:
    """Return the pipeline stages whose cost a signal carries.

    Parameters
    ----------
    name : str
        Signal name.
    known_stages : sequence of str
        Stages that have cost rows in the run, used for signals that
        :func:`homog_local.signals.describe_signal` does not know.

    Notes
    -----
    Graph signals are named by affinity (``eigv_uncertainty:jaccard``) while
    clustering costs are stored per clusterer (``cluster:jaccard@0.4``), so a
    ``cluster:`` stage with no cost rows maps to the first stored stage that
    starts with it. For a signal that
    :func:`homog_local.signals.describe_signal` does not know, the stages are
    ``sampling`` plus the first ``cluster:`` stage whose method starts with
    the text after the first colon.
    """
    if name == B2_SIGNAL:
        return (STAGE_DENSITY,)
    described = describe_signal(name).stages
    if described:
        return tuple(_stored_stage(stage, known_stages) for stage in described)
    if signal_tier(name) is SignalTier.GREEDY:
        return ("greedy",)
    _, _, suffix = name.partition(":")
    # NOTE: graph signals are tied to a clusterer's affinity by name only, so when
    # several clusterers share an affinity the first one's clustering time is used.
    cluster = next(
        (s for s in known_stages if suffix and s.startswith("cluster:")
         and s.removeprefix("cluster:").startswith(suffix)),
        None,
    )  # fmt: skip
    return ("sampling",) if cluster is None else ("sampling", cluster)


def _stored_stage(stage: str, known_stages: Sequence[str]) -> str:
    """Map ``cluster:AFFINITY`` to the first stored ``cluster:AFFINITY@τ`` stage, if any."""
    if stage in known_stages or not stage.startswith("cluster:"):
        return stage
    return next((s for s in known_stages if s.startswith(stage)), stage)


def signal_cost(
    name: str, stage_costs: Mapping[str, StageCostStats]
) -> tuple[float, float, tuple[str, ...]]:
    """Return a signal's mean seconds and tokens per question, and its stages without costs.

    The cost is the sum over :func:`signal_stages`. A stage without cost rows
    adds nothing and is returned in the third element, so reports can flag it.
    """
    stages = signal_stages(name, tuple(stage_costs))
    seconds = sum(stage_costs[s].mean_s for s in stages if s in stage_costs)
    tokens = sum(stage_costs[s].mean_tokens for s in stages if s in stage_costs)
    missing = tuple(s for s in stages if s not in stage_costs)
    return float(seconds), float(tokens), missing


def _signal_order(name: str) -> tuple[int, int, str]:
    primary = 0 if name in (B1_MEAN, B1_MAX) else 1
    return (int(signal_tier(name)), primary, name)


def _natural_key(qid: str) -> tuple[int, str]:
    return (int(qid), "") if qid.isdigit() else (1 << 62, qid)


def load_run_data(store: Store, run_id: int) -> RunData:
    """Read the finished questions of a run.

    Parameters
    ----------
    store : Store
        The store.
    run_id : int
        Run id.

    Returns
    -------
    RunData

    Raises
    ------
    RunNotFoundError
        When the run does not exist.

    Notes
    -----
    A question counts as finished when its results were committed; a run that
    is still going or was interrupted gives its finished questions only.
    """
    run = store.get_run(run_id)
    rows = [row for row in store.questions(run_id) if row["done_utc"] is not None]
    qids = tuple(row["qid"] for row in rows)
    stored_labels = store.labels(run_id)
    labels = []
    judge: str | None = None
    for qid in qids:
        primary = next((r for r in stored_labels.get(qid, []) if r.is_primary), None)
        labels.append(primary.label if primary is not None else "unlabelled")
        if primary is not None:
            judge = primary.judge

    stored_signals = store.signals(run_id)
    names = sorted({n for by_name in stored_signals.values() for n in by_name}, key=_signal_order)
    signals: dict[str, np.ndarray] = {}
    undefined: dict[str, dict[str, int]] = {}
    for name in names:
        values = np.full(len(qids), np.nan)
        reasons: Counter[str] = Counter()
        for i, qid in enumerate(qids):
            record = stored_signals.get(qid, {}).get(name)
            if record is None:
                reasons["not stored"] += 1
            elif record.value is None or not math.isfinite(record.value):
                reasons[record.undefined_reason or "undefined"] += 1
            else:
                values[i] = record.value if record.higher_is_uncertain else -record.value
        signals[name] = values
        if reasons:
            undefined[name] = dict(reasons)

    stored_clusters = store.clusters(run_id)
    methods = sorted({m for by_method in stored_clusters.values() for m in by_method})
    counts = {
        method: np.array([
            float(stored_clusters[q][method].n_clusters)
            if method in stored_clusters.get(q, {}) and stored_clusters[q][method].assignments
            else np.nan
            for q in qids
        ])
        for method in methods
    }  # fmt: skip

    finished = set(qids)
    per_stage: dict[str, list[tuple[float, int]]] = {}
    for qid, by_stage in store.costs(run_id).items():
        if qid in finished:
            for stage, cost in by_stage.items():
                per_stage.setdefault(stage, []).append(cost)
    stage_costs = {
        stage: StageCostStats(
            stage,
            float(np.mean([s for s, _ in values])),
            float(np.mean([t for _, t in values])),
            len(values),
        )
        for stage, values in sorted(per_stage.items())
    }
    return RunData(run, qids, tuple(labels), judge, signals, undefined, counts, stage_costs)


def score_table(
    data: RunData,
    names: Sequence[str] | None = None,
    rows: np.ndarray | None = None,
) -> ScoreTable:
    """Build the analysis table of a run's labelled questions.

    Parameters
    ----------
    data : RunData
        The run.
    names : sequence of str, optional
        Signals to include, in this order; all by default.
    rows : numpy.ndarray of bool, shape (n_questions,), optional
        Questions to include; all by default.

    Returns
    -------
    ScoreTable
        Questions labelled ``correct`` or ``incorrect``; the others are
        counted in ``excluded`` by label. ``costs`` contains each signal's mean
        seconds per question from :func:`signal_cost`.
    """
    chosen = list(data.signals) if names is None else list(names)
    mask = np.ones(data.n_questions, dtype=bool) if rows is None else np.asarray(rows, bool)
    index = np.flatnonzero(mask)
    return ScoreTable.from_records(
        [data.qids[i] for i in index],
        [data.labels[i] for i in index],
        {name: data.signals[name][index] for name in chosen},
        costs={name: signal_cost(name, data.stage_costs)[0] for name in chosen},
        source=f"run {data.run.id}",
    )


def load_run_data_with_b2(
    store: Store, run_id: int, *, compute_b2: bool = True, required: bool = False
) -> tuple[RunData, DensityOutcome | None, str]:
    """Read a run after computing B2 for its finished questions that lack it.

    Parameters
    ----------
    store : Store
        The store.
    run_id : int
        Run id.
    compute_b2 : bool, default True
        Compute missing B2 values first (the run's embedder and dataset must load).
    required : bool, default False
        Re-raise a failure to compute B2 instead of reporting without it.

    Returns
    -------
    data : RunData
    outcome : DensityOutcome or None
        What the B2 computation did; None when skipped or failed.
    error : str
        Why B2 could not be computed; empty otherwise.

    Raises
    ------
    DatasetError, ModelLoadError, BackendError
        Only with ``required=True``, when B2 cannot be computed.
    """
    outcome = None
    error = ""
    if compute_b2:
        store.get_run(run_id)
        try:
            outcome = ensure_density_signal(store, run_id)
        except HomogError as failure:
            if required:
                raise
            error = str(failure)
            log.warning("B2 left out of run %d: %s", run_id, error)
    return load_run_data(store, run_id), outcome, error
