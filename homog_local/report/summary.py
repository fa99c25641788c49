"""Build the end-of-run summary from the store.

The primary judge's label decides correctness; ambiguous labels are left out
of AUROC and counted. Questions whose signal is undefined (for example B1 of
an empty answer) are left out of that signal's AUROC and counted.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from homog_local.errors import UndefinedMetricWarning
from homog_local.metrics import (
    AurocResult,
    CohensDResult,
    ProportionResult,
    auroc_with_ci,
    cohens_d,
    proportion_ci,
)
from homog_local.signals import B1_MEAN
from homog_local.store import RunRecord, Store

__all__ = ["RunSummary", "ScrSummary", "SignalSummary", "summarize_run", "summary_to_json"]


@dataclass(frozen=True)
class ScrSummary:
    """Single-cluster rate of one clusterer.

    Parameters
    ----------
    method : str
        Clusterer label with its threshold.
    scr : ProportionResult
        Share of questions whose samples form exactly one cluster, with a
        percentile bootstrap CI.
    mean_clusters : float
        Mean number of clusters per question.
    """

    method: str
    scr: ProportionResult
    mean_clusters: float


@dataclass(frozen=True)
class SignalSummary:
    """AUROC of one signal on one subset of questions.

    Parameters
    ----------
    signal : str
        Signal name.
    subset : str
        ``all`` or ``single-cluster:<method>``.
    auroc : AurocResult
        AUROC with incorrect as the positive class, with its CI and counts.
    n_undefined : int
        Labelled questions left out because the signal was undefined.
    """

    signal: str
    subset: str
    auroc: AurocResult
    n_undefined: int


@dataclass(frozen=True)
class RunSummary:
    """Everything printed at the end of a run.

    Parameters
    ----------
    run : RunRecord
        The run.
    db_path : str
        Database holding it.
    primary_judge : str or None
        Judge whose labels define correctness.
    n_correct, n_incorrect, n_ambiguous, n_unlabelled : int
        Label counts over finished questions.
    scr : list of ScrSummary
        One entry per clusterer.
    signals : list of SignalSummary
        Every signal on all labelled questions, then on each clusterer's
        single-cluster subset.
    b1_cohens_d : CohensDResult
        Cohen's d of B1 mean token entropy, incorrect against correct.
    n_empty_answers : int
        Stored answers (greedy and samples) with no text.
    """

    run: RunRecord
    db_path: str
    primary_judge: str | None
    n_correct: int
    n_incorrect: int
    n_ambiguous: int
    n_unlabelled: int
    scr: list[ScrSummary]
    signals: list[SignalSummary]
    b1_cohens_d: CohensDResult
    n_empty_answers: int


def summarize_run(
    store: Store, run_id: int, *, n_resamples: int = 10_000, seed: int = 0
) -> RunSummary:
    """Summarise a stored run (finished or not) from its finished questions.

    Parameters
    ----------
    store : Store
        The store.
    run_id : int
        Run id.
    n_resamples : int, default 10000
        Bootstrap resamples for every CI.
    seed : int, default 0
        Bootstrap seed.

    Returns
    -------
    RunSummary
    """
    run = store.get_run(run_id)
    clusters = store.clusters(run_id)
    signals = store.signals(run_id)
    labels = store.labels(run_id)
    qids = sorted(clusters, key=_natural_key)

    primary: dict[str, str] = {}
    judge_name: str | None = None
    for qid, records in labels.items():
        first = next((r for r in records if r.is_primary), None)
        if first is not None:
            primary[qid] = first.label
            judge_name = first.judge
    n_correct = sum(1 for q in qids if primary.get(q) == "correct")
    n_incorrect = sum(1 for q in qids if primary.get(q) == "incorrect")
    n_ambiguous = sum(1 for q in qids if primary.get(q) == "ambiguous")
    n_unlabelled = sum(1 for q in qids if q not in primary)

    methods = sorted({m for by_method in clusters.values() for m in by_method})
    scr_rows = []
    single: dict[str, set[str]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        for method in methods:
            counts = [clusters[q][method].n_clusters for q in qids if method in clusters[q]]
            flags = np.array([c == 1 for c in counts], dtype=bool)
            single[method] = {q for q in qids if method in clusters[q]
                              and clusters[q][method].n_clusters == 1}
            scr_rows.append(ScrSummary(
                method,
                proportion_ci(flags, method="bootstrap", n_resamples=n_resamples, seed=seed),
                float(np.mean(counts)) if counts else math.nan,
            ))

        names = sorted({n for by_name in signals.values() for n in by_name}, key=_signal_order)
        labelled = [q for q in qids if primary.get(q) in ("correct", "incorrect")]
        rows = []
        subsets = [("all", labelled)] + [
            (f"single-cluster:{m}", [q for q in labelled if q in single[m]]) for m in methods
        ]
        for subset_name, subset in subsets:
            for name in names:
                rows.append(_signal_auroc(name, subset_name, subset, signals, primary,
                                          n_resamples, seed))

        b1_incorrect = _values(B1_MEAN, [q for q in labelled if primary[q] == "incorrect"], signals)
        b1_correct = _values(B1_MEAN, [q for q in labelled if primary[q] == "correct"], signals)
        effect = cohens_d(b1_incorrect, b1_correct)

    empty = store.query(
        "SELECT (SELECT COUNT(*) FROM samples WHERE run_id = ? AND is_empty = 1)"
        " + (SELECT COUNT(*) FROM greedy_answers WHERE run_id = ? AND is_empty = 1)",
        (run_id, run_id),
    )[0][0]
    return RunSummary(
        run=run, db_path=store.path, primary_judge=judge_name, n_correct=n_correct,
        n_incorrect=n_incorrect, n_ambiguous=n_ambiguous, n_unlabelled=n_unlabelled,
        scr=scr_rows, signals=rows, b1_cohens_d=effect, n_empty_answers=int(empty),
    )


def _signal_auroc(
    name: str,
    subset_name: str,
    subset: list[str],
    signals: dict[str, Any],
    primary: dict[str, str],
    n_resamples: int,
    seed: int,
) -> SignalSummary:
    defined = [q for q in subset if signals.get(q, {}).get(name) is not None
               and signals[q][name].value is not None]
    scores = np.array([signals[q][name].value for q in defined], dtype=float)
    is_incorrect = np.array([primary[q] == "incorrect" for q in defined], dtype=int)
    result = auroc_with_ci(scores, is_incorrect, n_resamples=n_resamples, seed=seed)
    return SignalSummary(name, subset_name, result, len(subset) - len(defined))


def _values(name: str, qids: list[str], signals: dict[str, Any]) -> np.ndarray:
    values = [signals[q][name].value for q in qids
              if name in signals.get(q, {}) and signals[q][name].value is not None]
    return np.array(values, dtype=float)


def _natural_key(qid: str) -> tuple[int, str]:
    return (int(qid), "") if qid.isdigit() else (1 << 62, qid)


def _signal_order(name: str) -> tuple[int, str]:
    return (0 if name.startswith("b1_") else 1, name)


def _clean(value: Any) -> Any:
    """Replace NaN with None so the JSON document has no NaN tokens."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def summary_to_json(summary: RunSummary) -> dict[str, Any]:
    """Return the summary as a JSON-ready dict; undefined numbers become null with a reason."""
    run = summary.run
    return _clean({
        "run_id": run.id,
        "status": run.status,
        "database": summary.db_path,
        "model": run.model_name,
        "model_kind": run.model_kind,
        "dataset": run.dataset,
        "n_questions": run.n_questions,
        "n_done": run.n_done,
        "settings": run.settings,
        "labels": {
            "judge": summary.primary_judge,
            "correct": summary.n_correct,
            "incorrect": summary.n_incorrect,
            "ambiguous": summary.n_ambiguous,
            "unlabelled": summary.n_unlabelled,
        },
        "scr": [
            {"method": row.method, "scr": row.scr.value, "ci_low": row.scr.ci_low,
             "ci_high": row.scr.ci_high, "n": row.scr.n, "n_single_cluster": row.scr.n_true,
             "mean_clusters": row.mean_clusters}
            for row in summary.scr
        ],
        "auroc": [
            {"signal": row.signal, "subset": row.subset, "n_undefined_signal": row.n_undefined,
             **asdict(row.auroc)}
            for row in summary.signals
        ],
        "b1_cohens_d": asdict(summary.b1_cohens_d),
        "n_empty_answers": summary.n_empty_answers,
    })
