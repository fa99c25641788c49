"""Side-by-side comparison of two runs on the questions both have finished."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from homog_local.errors import UndefinedMetricWarning
from homog_local.evaluation.comparison import check_comparable
from homog_local.metrics.paired import (
    PairedDifference,
    TestResult,
    mcnemar_exact,
    paired_mean_difference,
    wilcoxon_signed_rank,
)
from homog_local.store import RunRecord, Store

__all__ = ["MethodComparison", "RunComparison", "compare_runs"]


@dataclass(frozen=True)
class MethodComparison:
    """Homogenization of two runs under one clusterer, on shared questions.

    Parameters
    ----------
    method : str
        Clusterer method label used by both runs.
    scr_a, scr_b : float
        Single-cluster rate of run A and run B.
    mean_clusters_a, mean_clusters_b : float
        Mean number of clusters of run A and run B.
    n : int
        Shared questions clustered under this method by both runs.
    scr_difference : PairedDifference
        SCR of B minus SCR of A with a paired bootstrap CI.
    single_cluster_test : TestResult
        McNemar's exact test on the per-question single-cluster flags.
    n_clusters_test : TestResult
        Wilcoxon signed-rank test on the per-question cluster counts.
    """

    method: str
    scr_a: float
    scr_b: float
    mean_clusters_a: float
    mean_clusters_b: float
    n: int
    scr_difference: PairedDifference
    single_cluster_test: TestResult
    n_clusters_test: TestResult


@dataclass(frozen=True)
class RunComparison:
    """Two runs compared on the questions both finished.

    Parameters
    ----------
    run_a, run_b : RunRecord
        The runs.
    n_shared : int
        Finished questions with the same text in both runs.
    methods : list of MethodComparison
        One entry per clusterer method present in both runs.
    methods_only_a, methods_only_b : list of str
        Methods that only one run used (not compared).
    """

    run_a: RunRecord
    run_b: RunRecord
    n_shared: int
    methods: list[MethodComparison]
    methods_only_a: list[str]
    methods_only_b: list[str]


def compare_runs(
    store: Store, run_a: int, run_b: int, *, n_resamples: int = 1000, seed: int = 0
) -> RunComparison:
    """Compare two runs on their shared questions, with paired tests.

    Parameters
    ----------
    store : Store
        The store.
    run_a, run_b : int
        Run ids.
    n_resamples : int, default 1000
        Bootstrap resamples of the SCR difference.
    seed : int, default 0
        Bootstrap seed.

    Raises
    ------
    ConfigError
        When the runs differ in dataset or N, or share no finished question.

    Notes
    -----
    Questions are matched by their exact text within the same dataset.
    """
    record_a, record_b = store.get_run(run_a), store.get_run(run_b)
    counts_a = _counts_by_text(store, run_a)
    counts_b = _counts_by_text(store, run_b)
    shared = sorted(set(counts_a) & set(counts_b))
    check_comparable(record_a, record_b, len(shared))
    methods_a = {m for by_method in counts_a.values() for m in by_method}
    methods_b = {m for by_method in counts_b.values() for m in by_method}
    rows = []
    for method in sorted(methods_a & methods_b):
        texts = [t for t in shared if method in counts_a[t] and method in counts_b[t]]
        a = [counts_a[t][method] for t in texts]
        b = [counts_b[t][method] for t in texts]
        if not texts:
            continue
        single_a = [1.0 if c == 1 else 0.0 for c in a]
        single_b = [1.0 if c == 1 else 0.0 for c in b]
        with warnings.catch_warnings():
            # Undefined tests keep their reason in the result and are shown as such.
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            difference = paired_mean_difference(
                single_b, single_a, n_resamples=n_resamples, seed=seed
            )
            single_test = mcnemar_exact(single_b, single_a)
            count_test = wilcoxon_signed_rank([float(c) for c in b], [float(c) for c in a])
        rows.append(
            MethodComparison(
                method=method,
                scr_a=sum(single_a) / len(a),
                scr_b=sum(single_b) / len(b),
                mean_clusters_a=sum(a) / len(a),
                mean_clusters_b=sum(b) / len(b),
                n=len(texts),
                scr_difference=difference,
                single_cluster_test=single_test,
                n_clusters_test=count_test,
            )
        )
    return RunComparison(
        record_a,
        record_b,
        len(shared),
        rows,
        sorted(methods_a - methods_b),
        sorted(methods_b - methods_a),
    )


def _counts_by_text(store: Store, run_id: int) -> dict[str, dict[str, int]]:
    text_of = {row["qid"]: row["text"] for row in store.questions(run_id)}
    return {
        text_of[qid]: {m: r.n_clusters for m, r in by_method.items()}
        for qid, by_method in store.clusters(run_id).items()
        if qid in text_of
    }
