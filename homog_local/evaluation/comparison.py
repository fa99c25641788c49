"""Compare two stored runs on the questions they share: SCR, cluster counts, B1 AUROC.

Typical pairs: a base and an instruct model, two quantisations, two sampler
presets, or two embedders for the same samples.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass

import numpy as np

from homog_local.errors import ConfigError, UndefinedMetricWarning
from homog_local.evaluation.run_data import RunData
from homog_local.metrics._checks import check_resamples
from homog_local.metrics.auroc import (
    MIN_VALID_FRACTION,
    AurocResult,
    auroc,
    auroc_for_indices,
    auroc_with_ci,
)
from homog_local.metrics.bootstrap import ProportionResult, percentile_bounds, proportion_ci
from homog_local.metrics.paired import (
    PairedDifference,
    TestResult,
    mcnemar_exact,
    paired_auroc_difference,
    paired_mean_difference,
    wilcoxon_signed_rank,
)
from homog_local.signals import B1_MEAN
from homog_local.store import RunRecord

__all__ = [
    "AurocComparison",
    "ClustererComparison",
    "RunComparison",
    "check_comparable",
    "compare_runs",
    "paired_auroc_difference_two_labels",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClustererComparison:
    """Homogenization of two runs under one clusterer, on shared questions.

    Attributes
    ----------
    method : str
        Clusterer label.
    n : int
        Shared questions that both runs clustered.
    scr_a, scr_b : ProportionResult
        Single-cluster rate of each run with a Wilson CI.
    difference : PairedDifference
        SCR(a) - SCR(b) with a paired bootstrap CI.
    wilcoxon : TestResult
        Wilcoxon signed-rank test of the per-question cluster counts.
    mcnemar : TestResult
        McNemar's exact test of the single-cluster flags; ``statistic`` is
        the number of questions single-cluster in run a only.
    mean_clusters_a, mean_clusters_b : float
        Mean number of clusters per question.
    """

    method: str
    n: int
    scr_a: ProportionResult
    scr_b: ProportionResult
    difference: PairedDifference
    wilcoxon: TestResult
    mcnemar: TestResult
    mean_clusters_a: float
    mean_clusters_b: float


@dataclass(frozen=True)
class AurocComparison:
    """AUROC of one signal in each run and the paired difference.

    Attributes
    ----------
    signal : str
        Signal name.
    n : int
        Shared questions labelled correct/incorrect in both runs with the
        signal defined in both.
    auroc_a, auroc_b : AurocResult
        AUROC of each run against its own labels.
    difference : PairedDifference
        AUROC(a) - AUROC(b) with a paired bootstrap CI.
    same_labels : bool
        Whether both runs gave every one of these questions the same label.
    accuracy_a, accuracy_b : float
        Share of these questions answered correctly.
    mcnemar : TestResult
        McNemar's exact test of correctness; ``statistic`` is the number of
        questions only run a answered correctly.
    """

    signal: str
    n: int
    auroc_a: AurocResult
    auroc_b: AurocResult
    difference: PairedDifference
    same_labels: bool
    accuracy_a: float
    accuracy_b: float
    mcnemar: TestResult


@dataclass(frozen=True)
class RunComparison:
    """Everything ``homog compare`` prints.

    Attributes
    ----------
    run_a, run_b : RunRecord
        The runs.
    n_shared : int
        Finished questions in both runs.
    n_only_a, n_only_b : int
        Finished questions in one run only (left out).
    clusterers : tuple of ClustererComparison
        Clusterers present in both runs.
    methods_only_a, methods_only_b : tuple of str
        Clusterers present in one run only.
    b1 : AurocComparison or None
        B1 comparison; None when it is undefined, with the reason in ``b1_reason``.
    b1_reason : str
        Why ``b1`` is None; empty otherwise.
    n_resamples, seed : int
        Bootstrap settings.
    decoding_differences : tuple of str
        Decoding settings that shape logits and differ between the runs, as
        ``"name: a vs b"``; token entropies of such runs are not measured
        alike.
    """

    run_a: RunRecord
    run_b: RunRecord
    n_shared: int
    n_only_a: int
    n_only_b: int
    clusterers: tuple[ClustererComparison, ...]
    methods_only_a: tuple[str, ...]
    methods_only_b: tuple[str, ...]
    b1: AurocComparison | None
    b1_reason: str
    n_resamples: int
    seed: int
    decoding_differences: tuple[str, ...] = ()


# Run settings that change llama.cpp's logits slightly. Runs stored before
# these were recorded show "unrecorded".
_DECODING_KEYS = ("decode", "flash_attn", "kv_type")


def decoding_differences(settings_a: dict, settings_b: dict) -> tuple[str, ...]:
    """Return the logit-shaping decoding settings two runs disagree on.

    Flash attention, the KV cache type and, on K-quant models, the number
    of tokens per llama.cpp step each move logits slightly, so token
    entropies of runs that differ here are not measured alike.
    """
    differences = []
    for key in _DECODING_KEYS:
        value_a = settings_a.get(key, "unrecorded")
        value_b = settings_b.get(key, "unrecorded")
        if value_a != value_b:
            differences.append(f"{key}: {value_a} vs {value_b}")
    return tuple(differences)


def paired_auroc_difference_two_labels(
    scores_a: np.ndarray,
    labels_a: np.ndarray,
    scores_b: np.ndarray,
    labels_b: np.ndarray,
    *,
    n_resamples: int = 10_000,
    seed: int = 0,
    level: float = 0.95,
) -> PairedDifference:
    """Compute AUROC(a) - AUROC(b) when the two runs label the same questions differently.

    Parameters
    ----------
    scores_a, labels_a, scores_b, labels_b : numpy.ndarray, shape (n,)
        Scores and 0/1 incorrect-labels of each run, on the same questions in
        the same order.
    n_resamples, seed, level
        Bootstrap settings, as in :func:`homog_local.metrics.paired_auroc_difference`.

    Returns
    -------
    PairedDifference

    Notes
    -----
    Each resample draws the same question indices for both runs, so the CI
    accounts for the questions' shared difficulty. A resample where either
    run sees one class only is skipped and counted.
    """
    check_resamples(n_resamples)
    n = int(scores_a.shape[0])
    for name, labels in (("a", labels_a), ("b", labels_b)):
        n_positive = int(labels.sum())
        if n_positive in (0, n):
            reason = f"run {name} needs both classes (n+={n_positive}, n-={n - n_positive})"
            return PairedDifference(math.nan, math.nan, math.nan, n, n_resamples, 0, reason)
    value = auroc(scores_a, labels_a) - auroc(scores_b, labels_b)
    rng = np.random.default_rng(seed)
    differences = np.empty(n_resamples)
    rows_per_chunk = max(1, 4_000_000 // max(n, 1))
    for start in range(0, n_resamples, rows_per_chunk):
        indices = rng.integers(0, n, size=(min(rows_per_chunk, n_resamples - start), n))
        differences[start : start + indices.shape[0]] = (
            auroc_for_indices(scores_a, labels_a, indices)
            - auroc_for_indices(scores_b, labels_b, indices)
        )
    defined = differences[~np.isnan(differences)]
    n_skipped = n_resamples - int(defined.shape[0])
    if defined.shape[0] < max(2, math.ceil(MIN_VALID_FRACTION * n_resamples)):
        reason = (
            f"CI undefined: only {defined.shape[0]} of {n_resamples} resamples have both classes"
        )
        return PairedDifference(value, math.nan, math.nan, n, n_resamples, n_skipped, reason)
    low, high = percentile_bounds(defined, level)
    return PairedDifference(value, low, high, n, n_resamples, n_skipped)


def check_comparable(run_a: RunRecord, run_b: RunRecord, n_shared: int) -> None:
    """Raise ConfigError unless two runs can be paired question by question.

    The runs must use the same dataset and the same N, because the SCR
    depends on N, and share at least one finished question.
    """
    pair = f"{run_a.id} {run_b.id}"
    if run_a.dataset != run_b.dataset:
        raise ConfigError(
            "RUN_A RUN_B", pair,
            f"run {run_a.id} uses dataset {run_a.dataset!r} but run {run_b.id} uses "
            f"{run_b.dataset!r}; compare two runs of the same dataset (see `homog runs list`)",
        )  # fmt: skip
    n_a, n_b = run_a.settings.get("n_samples"), run_b.settings.get("n_samples")
    if n_a != n_b:
        raise ConfigError(
            "RUN_A RUN_B", pair,
            f"run {run_a.id} has N={n_a} samples per question but run {run_b.id} has N={n_b}, "
            "and the SCR depends on N; compare runs made with the same --samples",
        )  # fmt: skip
    if n_shared == 0:
        raise ConfigError(
            "RUN_A RUN_B", pair,
            "the runs share no finished questions; finish them with `homog run --resume RUN_ID` "
            "or compare runs over the same questions (same --limit)",
        )  # fmt: skip


def _compare_clusterer(
    a: RunData, b: RunData, ia: np.ndarray, ib: np.ndarray, method: str,
    n_resamples: int, seed: int,
) -> ClustererComparison:  # fmt: skip
    counts_a, counts_b = a.cluster_counts[method][ia], b.cluster_counts[method][ib]
    both = np.isfinite(counts_a) & np.isfinite(counts_b)
    counts_a, counts_b = counts_a[both], counts_b[both]
    flags_a, flags_b = (counts_a == 1).astype(float), (counts_b == 1).astype(float)
    return ClustererComparison(
        method, int(both.sum()),
        proportion_ci(flags_a, method="wilson"),
        proportion_ci(flags_b, method="wilson"),
        paired_mean_difference(flags_a, flags_b, n_resamples=n_resamples, seed=seed),
        wilcoxon_signed_rank(counts_a, counts_b),
        mcnemar_exact(flags_a, flags_b),
        float(counts_a.mean()) if counts_a.size else math.nan,
        float(counts_b.mean()) if counts_b.size else math.nan,
    )  # fmt: skip


def _compare_b1(
    a: RunData, b: RunData, ia: np.ndarray, ib: np.ndarray, n_resamples: int, seed: int
) -> tuple[AurocComparison | None, str]:
    if B1_MEAN not in a.signals or B1_MEAN not in b.signals:
        return None, f"{B1_MEAN} is not stored in both runs"
    labels_a, labels_b = np.array(a.labels)[ia], np.array(b.labels)[ib]
    scores_a, scores_b = a.signals[B1_MEAN][ia], b.signals[B1_MEAN][ib]
    usable = (
        np.isin(labels_a, ("correct", "incorrect")) & np.isin(labels_b, ("correct", "incorrect"))
        & np.isfinite(scores_a) & np.isfinite(scores_b)
    )  # fmt: skip
    if not usable.any():
        return None, "no shared question is labelled correct/incorrect in both runs"
    wrong_a = (labels_a[usable] == "incorrect").astype(np.int8)
    wrong_b = (labels_b[usable] == "incorrect").astype(np.int8)
    scores_a, scores_b = scores_a[usable], scores_b[usable]
    same = bool(np.array_equal(wrong_a, wrong_b))
    if same:
        difference = paired_auroc_difference(scores_a, scores_b, wrong_a,
                                             n_resamples=n_resamples, seed=seed)
    else:
        difference = paired_auroc_difference_two_labels(
            scores_a, wrong_a, scores_b, wrong_b, n_resamples=n_resamples, seed=seed
        )
    return AurocComparison(
        B1_MEAN, int(usable.sum()),
        auroc_with_ci(scores_a, wrong_a, n_resamples=n_resamples, seed=seed),
        auroc_with_ci(scores_b, wrong_b, n_resamples=n_resamples, seed=seed),
        difference, same, float(1 - wrong_a.mean()), float(1 - wrong_b.mean()),
        mcnemar_exact(1 - wrong_a, 1 - wrong_b),
    ), ""  # fmt: skip


def compare_runs(
    a: RunData, b: RunData, *, n_resamples: int = 10_000, seed: int = 0
) -> RunComparison:
    """Pair two runs on their shared finished questions (by qid) and compare them.

    Parameters
    ----------
    a, b : RunData
        The runs; differences are a minus b.
    n_resamples : int, default 10_000
        Bootstrap resamples of every CI.
    seed : int, default 0
        Bootstrap seed.

    Returns
    -------
    RunComparison

    Raises
    ------
    ConfigError
        If the runs use different datasets, different N, or share no
        finished question.

    Notes
    -----
    Undefined statistics (no discordant pair, one class) are NaN with the
    reason in their result. When both runs label the B1 questions alike (for
    example the same model with two sampler presets, whose greedy answers
    match) the AUROC difference uses
    :func:`homog_local.metrics.paired_auroc_difference`; otherwise
    :func:`paired_auroc_difference_two_labels`.
    """
    position_b = {qid: i for i, qid in enumerate(b.qids)}
    shared = [qid for qid in a.qids if qid in position_b]
    check_comparable(a.run, b.run, len(shared))
    position_a = {qid: i for i, qid in enumerate(a.qids)}
    ia = np.array([position_a[q] for q in shared], dtype=np.int64)
    ib = np.array([position_b[q] for q in shared], dtype=np.int64)
    methods = [m for m in a.methods if m in b.cluster_counts]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        clusterers = tuple(
            _compare_clusterer(a, b, ia, ib, m, n_resamples, seed) for m in methods
        )
        b1, reason = _compare_b1(a, b, ia, ib, n_resamples, seed)
    return RunComparison(
        a.run, b.run, len(shared), a.n_questions - len(shared), b.n_questions - len(shared),
        clusterers,
        tuple(m for m in a.methods if m not in b.cluster_counts),
        tuple(m for m in b.methods if m not in a.cluster_counts),
        b1, reason, n_resamples, seed,
        decoding_differences(a.run.settings, b.run.settings),
    )  # fmt: skip
