"""Re-score a stored run: new clusters, signals and SCR from its stored samples.

No generator is loaded. Results are stored beside the originals under their
method labels, replacing earlier results with the same label.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from homog_local.cluster.spec import ClusterSpec
from homog_local.errors import ConfigError, UndefinedMetricWarning
from homog_local.metrics import ProportionResult, proportion_ci
from homog_local.metrics.entropy import cluster_entropy
from homog_local.scoring.question import QuestionScorer
from homog_local.signals import cluster_signal_names
from homog_local.store import Store
from homog_local.store.caches import save_cluster_method, save_cluster_stats
from homog_local.store.imports import STOP_IMPORTED_NO_LOG_PROB
from homog_local.store.records import ClusterRecord, SignalRecord

__all__ = [
    "MethodResult",
    "RescoreResult",
    "cluster_count_signals",
    "expand_thresholds",
    "rescore_run",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MethodResult:
    """SCR and clustering cost of one method over a run.

    Parameters
    ----------
    method : str
        Clusterer label.
    scr : ProportionResult
        Share of questions whose samples form one cluster, with a Wilson CI.
    mean_clusters : float
        Mean number of clusters per question.
    seconds : float
        Total clustering wall time.
    n_model_calls : int
        Total pairs (NLI, LLM) or texts (embedder) sent to a model.
    n_cache_hits : int
        Total pairs or texts served by the SQLite cache.
    n_distinct_pairs : int
        Total unordered pairs of distinct texts over the questions.
    """

    method: str
    scr: ProportionResult
    mean_clusters: float
    seconds: float
    n_model_calls: int
    n_cache_hits: int
    n_distinct_pairs: int


@dataclass(frozen=True)
class RescoreResult:
    """Outcome of :func:`rescore_run`.

    Parameters
    ----------
    run_id : int
        The run.
    n_questions : int
        Questions with stored samples that were re-scored.
    methods : tuple of MethodResult
        One per clusterer, in the order given.
    seconds : float
        Wall time of the whole re-score, model loading included.
    """

    run_id: int
    n_questions: int
    methods: tuple[MethodResult, ...]
    seconds: float


def expand_thresholds(
    specs: Sequence[ClusterSpec], thresholds: Sequence[float]
) -> list[ClusterSpec]:
    """Return each spec at each threshold (specs that ignore τ once), without duplicates.

    Examples
    --------
    >>> spec = ClusterSpec.parse("jaccard", "m")
    >>> [s.method for s in expand_thresholds([spec], [0.3, 0.5])]
    ['jaccard@0.3', 'jaccard@0.5']
    """
    expanded: dict[str, ClusterSpec] = {}
    for spec in specs:
        variants = [spec.with_threshold(t) for t in thresholds] if thresholds else [spec]
        if not spec.uses_threshold:
            variants = [spec]
        for variant in variants:
            expanded.setdefault(variant.method, variant)
    return list(expanded.values())


def cluster_count_signals(clusters: Sequence[ClusterRecord]) -> list[SignalRecord]:
    """Return the number of clusters and discrete semantic entropy of each cluster record."""
    signals = []
    for record in clusters:
        count_name, entropy_name = cluster_signal_names(record.method)
        if not record.assignments:
            signals.append(SignalRecord(count_name, None, True, "no samples"))
            signals.append(SignalRecord(entropy_name, None, True, "no samples"))
            continue
        signals.append(SignalRecord(count_name, float(record.n_clusters)))
        signals.append(SignalRecord(entropy_name, float(cluster_entropy(record.assignments))))
    return signals


def rescore_run(
    store: Store,
    run_id: int,
    specs: Sequence[ClusterSpec],
    scorer: QuestionScorer,
    *,
    on_question: Callable[[int, int], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> RescoreResult:
    """Cluster and score every finished question of a run again from its stored samples.

    Parameters
    ----------
    store : Store
        Database holding the run; results and caches are written there.
    run_id : int
        The run.
    specs : sequence of ClusterSpec
        Clusterers; their method labels name the stored results.
    scorer : QuestionScorer
        Loads the embedders and NLI models on first use.
    on_question : callable, optional
        Called with (questions done, questions total) after each question.
    clock : callable, default time.perf_counter
        Monotonic clock in seconds.

    Returns
    -------
    RescoreResult

    Raises
    ------
    RunNotFoundError
        No run has that id.
    ConfigError
        ``specs`` is empty or two specs share a method label.
    """
    started = clock()
    store.get_run(run_id)
    if not specs:
        raise ConfigError("--cluster", "", "give at least one clusterer")
    labels = [spec.method for spec in specs]
    if len(set(labels)) != len(labels):
        raise ConfigError("--cluster", labels, "give each clusterer once")
    for spec in specs:
        sha256, options = scorer.method_options(spec)
        save_cluster_method(store, run_id, spec.method, spec.kind.value, spec.model, sha256,
                            options)

    samples = store.samples(run_id)
    order = [row for row in store.questions(run_id) if row["qid"] in samples]
    counts: dict[str, list[int]] = {label: [] for label in labels}
    totals: dict[str, list[float]] = {label: [0.0, 0, 0, 0] for label in labels}
    for done, row in enumerate(order, start=1):
        records = samples[row["qid"]]
        texts = [record.text for record in records]
        log_probs: list[float] | None = [record.log_prob for record in records]
        if any(record.stop_reason == STOP_IMPORTED_NO_LOG_PROB for record in records):
            log_probs = None
        scores = scorer.score(texts, specs, log_probs=log_probs, question=row["text"])
        signals = cluster_count_signals(scores.clusters) + list(scores.signals)
        store.save_scores(run_id, row["qid"], scores.clusters, signals)
        save_cluster_stats(store, run_id, row["qid"], scores.stats)
        for record in scores.clusters:
            counts[record.method].append(record.n_clusters)
        for stat in scores.stats:
            if stat.method in totals:
                total = totals[stat.method]
                total[0] += stat.seconds
                total[1] += stat.n_model_calls
                total[2] += stat.n_cache_hits
                total[3] += stat.n_distinct_pairs
        if on_question is not None:
            on_question(done, len(order))

    methods = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        for label in labels:
            flags = np.array([count == 1 for count in counts[label]], dtype=bool)
            seconds, calls, hits, pairs = totals[label]
            methods.append(MethodResult(
                label, proportion_ci(flags),
                float(np.mean(counts[label])) if counts[label] else float("nan"),
                seconds, int(calls), int(hits), int(pairs),
            ))
    elapsed = clock() - started
    log.info("re-scored run %d: %d questions, %d methods in %.1f s", run_id, len(order),
             len(labels), elapsed)
    return RescoreResult(run_id, len(order), tuple(methods), elapsed)
