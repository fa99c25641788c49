"""Everything the results screen shows, computed off the UI thread."""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass

from homog_local.errors import UndefinedMetricWarning
from homog_local.metrics.selective import accuracy_at_coverage
from homog_local.report.summary import RunSummary, summarize_run
from homog_local.signals import B1_MEAN
from homog_local.store import Store

__all__ = ["COVERAGES", "ResultsData", "TUI_BOOTSTRAP_RESAMPLES", "load_results"]

# The CLI report uses 10 000 resamples; 1 000 keeps the screen responsive on
# runs of a few hundred questions, at the cost of a noisier third CI digit.
TUI_BOOTSTRAP_RESAMPLES = 1000

# Shares of questions kept on the coverage–accuracy plot, 10 % to 100 %.
COVERAGES: tuple[float, ...] = tuple(round(0.1 * k, 1) for k in range(1, 11))


@dataclass(frozen=True)
class ResultsData:
    """Summary table data and plot series of one run.

    Parameters
    ----------
    summary : RunSummary
        SCR with CIs, AUROC rows and B1 Cohen's d.
    cluster_counts : dict of str to Counter
        Number of questions per cluster count, per clusterer method.
    b1_by_label : dict of str to list of float
        B1 mean token entropy (nats) of the greedy answers, for ``correct``
        and ``incorrect`` primary labels.
    coverage : dict of str to list of (float, float)
        Coverage–accuracy curve per signal, as (coverage in percent, accuracy),
        over the labelled questions where the signal is defined. The most
        certain questions (lowest signal) are kept first; accuracy inside a
        group of tied values is the expectation over a random order.
    """

    summary: RunSummary
    cluster_counts: dict[str, Counter[int]]
    b1_by_label: dict[str, list[float]]
    coverage: dict[str, list[tuple[float, float]]]


def load_results(store: Store, run_id: int, seed: int = 0) -> ResultsData:
    """Summarise a run and build its plot series."""
    summary = summarize_run(store, run_id, n_resamples=TUI_BOOTSTRAP_RESAMPLES, seed=seed)
    clusters = store.clusters(run_id)
    signals = store.signals(run_id)
    primary = {
        qid: next((r.label for r in records if r.is_primary), None)
        for qid, records in store.labels(run_id).items()
    }

    cluster_counts: dict[str, Counter[int]] = {}
    for by_method in clusters.values():
        for method, record in by_method.items():
            cluster_counts.setdefault(method, Counter())[record.n_clusters] += 1

    b1_by_label: dict[str, list[float]] = {"correct": [], "incorrect": []}
    by_signal: dict[str, list[tuple[float, bool]]] = {}
    for qid in sorted(signals):
        label = primary.get(qid)
        if label not in ("correct", "incorrect"):
            continue
        for name, record in signals[qid].items():
            if record.value is None:
                continue
            by_signal.setdefault(name, []).append((record.value, label == "correct"))
            if name == B1_MEAN:
                b1_by_label[label].append(record.value)

    coverage = {name: _coverage_curve(pairs) for name, pairs in sorted(by_signal.items())}
    return ResultsData(summary, dict(sorted(cluster_counts.items())), b1_by_label, coverage)


def _coverage_curve(pairs: list[tuple[float, bool]]) -> list[tuple[float, float]]:
    with warnings.catch_warnings():
        # An empty signal is reported as an empty curve, not as a warning.
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        rows = accuracy_at_coverage(
            [value for value, _ in pairs], [0 if ok else 1 for _, ok in pairs], COVERAGES
        )
    return [(row.coverage * 100, row.accuracy) for row in rows if row.n_kept > 0]
