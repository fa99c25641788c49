"""Cluster one question's samples with every clusterer and compute their graph scores.

One :class:`QuestionScorer` keeps the loaded embedders, NLI models and LLM
judges of a run or a re-score. Per question it builds one embedding matrix
per embedder and one NLI pair matrix per NLI model, and every clusterer and
score that needs them shares them.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from homog_local.cluster import cluster_embeddings, cluster_jaccard
from homog_local.cluster.equivalence import cluster_by_equivalence
from homog_local.cluster.labels import canonical_labels
from homog_local.cluster.spec import ClusterAssign, ClusterKind, ClusterSpec, EquivalenceRule
from homog_local.graph import (
    cosine_affinity,
    degree_uncertainty,
    eccentricity_uncertainty,
    eigv_uncertainty,
    embedding_dispersion_uncertainty,
    jaccard_affinity,
    lexical_uncertainty,
    weighted_semantic_entropy,
)
from homog_local.nli.llm_judge import LLM_JUDGE_PROMPT, LlmEquivalenceJudge
from homog_local.nli.pairwise import NliPairMatrix, NliPredictor
from homog_local.scoring.loaders import (
    JudgeFactory,
    LoadedNli,
    NliFactory,
    default_judge_factory,
    default_nli_factory,
)
from homog_local.store import Store
from homog_local.store.caches import ClusterStats, EmbeddingCache, NliPairCache
from homog_local.store.records import ClusterRecord, SignalRecord

__all__ = ["Embedder", "QuestionScorer", "QuestionScores", "graph_signal_label"]

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """Interface of a sentence embedder: L2-normalised rows, one per text."""

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Return one embedding row per text."""


EmbedderFactory = Callable[[str], Embedder]


@dataclass(frozen=True)
class QuestionScores:
    """Clusters, extra signals and clustering costs of one question.

    Parameters
    ----------
    clusters : tuple of ClusterRecord
        One per clusterer, in the order given.
    signals : tuple of SignalRecord
        Graph, lexical, dispersion and weighted-entropy scores; the cluster
        count and discrete semantic entropy are not included.
    stats : tuple of ClusterStats
        One per clusterer, then one per graph affinity (``graph:...``).
    """

    clusters: tuple[ClusterRecord, ...]
    signals: tuple[SignalRecord, ...]
    stats: tuple[ClusterStats, ...]


def graph_signal_label(spec: ClusterSpec) -> str | None:
    """Return the affinity label of a clusterer's graph scores, or None when it has none.

    The graph scores depend on the affinity, not on τ, the rule or the
    assignment, so specs that share a model share one label, for example
    ``nli:MODEL`` or ``embedding:MODEL``.
    """
    if spec.kind is ClusterKind.JACCARD:
        return "jaccard"
    if spec.kind in (ClusterKind.EMBEDDING, ClusterKind.NLI):
        return f"{spec.kind.value}:{spec.model}"
    return None


def _default_embedder(name: str) -> Embedder:
    from homog_local.embed import load_embedder

    return load_embedder(name)


class QuestionScorer:
    """Clusterers and graph scores over one question's samples at a time.

    Parameters
    ----------
    store : Store or None, default None
        Database of the NLI pair cache and the embedding cache; None
        disables both.
    embedder_factory, nli_factory, judge_factory : callable, optional
        Build an embedder, an NLI model (with its file hash) or an LLM
        judge backend from a model name; tests pass fakes. Models load on
        first use and stay loaded.
    graph_scores : bool, default True
        Compute EigV, Degree, Eccentricity, lexical and dispersion scores.
        For NLI this scores every pair of distinct texts, which greedy
        clustering alone may not need.
    clock : callable, default time.perf_counter
        Monotonic clock in seconds.
    """

    def __init__(
        self,
        store: Store | None = None,
        *,
        embedder_factory: EmbedderFactory | None = None,
        nli_factory: NliFactory | None = None,
        judge_factory: JudgeFactory | None = None,
        graph_scores: bool = True,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.store = store
        self._embedder_factory = embedder_factory or _default_embedder
        self._nli_factory = nli_factory or default_nli_factory
        self._judge_factory = judge_factory or default_judge_factory
        self.graph_scores = graph_scores
        self._clock = clock
        self._embedders: dict[str, tuple[Embedder, EmbeddingCache | None]] = {}
        self._nli: dict[str, LoadedNli] = {}
        self._judges: dict[str, Any] = {}

    # -- loading -----------------------------------------------------------

    def _embedder(self, name: str) -> tuple[Embedder, EmbeddingCache | None]:
        if name not in self._embedders:
            embedder = self._embedder_factory(name)
            cache = None
            path = getattr(embedder, "model_path", None)
            if self.store is not None and path is not None:
                from homog_local.models import file_sha256

                cache = EmbeddingCache(self.store, file_sha256(path), int(embedder.max_length))  # type: ignore[attr-defined]
            self._embedders[name] = (embedder, cache)
        return self._embedders[name]

    def _nli_model(self, name: str) -> LoadedNli:
        if name not in self._nli:
            self._nli[name] = self._nli_factory(name)
        return self._nli[name]

    def _judge_backend(self, name: str) -> Any:
        if name not in self._judges:
            self._judges[name] = self._judge_factory(name)
        return self._judges[name]

    def method_options(self, spec: ClusterSpec) -> tuple[str | None, dict[str, Any]]:
        """Return (model sha256, options) recorded for a clusterer: rule, token limit, prompt."""
        options: dict[str, Any] = spec.to_json()
        sha256: str | None = None
        if spec.kind is ClusterKind.NLI and spec.model is not None:
            loaded = self._nli_model(spec.model)
            sha256 = loaded.sha256
            options["max_length"] = loaded.max_length
            options["label_order"] = list(loaded.label_order)
        elif spec.kind is ClusterKind.EMBEDDING and spec.model is not None:
            embedder, cache = self._embedder(spec.model)
            sha256 = cache.model_sha256 if cache is not None else None
            options["max_length"] = getattr(embedder, "max_length", None)
            options["pooling"] = getattr(embedder, "pooling", None)
        elif spec.kind is ClusterKind.LLM and spec.model is not None:
            from homog_local.models import ModelRole, resolve_model

            options["prompt"] = LLM_JUDGE_PROMPT
            sha256 = resolve_model(spec.model, ModelRole.GENERATOR).sha256
        return sha256, options

    def close(self) -> None:
        """Free loaded LLM judges."""
        for backend in self._judges.values():
            close = getattr(backend, "close", None)
            if close is not None:
                close()
        self._judges.clear()

    # -- scoring -------------------------------------------------------------

    def score(
        self,
        texts: Sequence[str],
        specs: Sequence[ClusterSpec],
        *,
        log_probs: Sequence[float] | None = None,
        question: str = "",
    ) -> QuestionScores:
        """Cluster one question's samples with each spec and compute the graph scores.

        Parameters
        ----------
        texts : sequence of str
            The samples.
        specs : sequence of ClusterSpec
            Clusterers.
        log_probs : sequence of float or None, default None
            Sequence log-probabilities of the samples, for the weighted
            semantic entropy; None skips it.
        question : str, default ""
            Question text, used by LLM judges.

        Returns
        -------
        QuestionScores
        """
        work = _QuestionWork(self, list(texts), question)
        clusters: list[ClusterRecord] = []
        stats: list[ClusterStats] = []
        signals: list[SignalRecord] = []
        for spec in specs:
            started = self._clock()
            calls_before, hits_before = work.counters(spec)
            assignments = work.cluster(spec)
            calls_after, hits_after = work.counters(spec)
            clusters.append(ClusterRecord(
                spec.method, spec.kind.value, spec.threshold, spec.model, assignments
            ))
            stats.append(ClusterStats(
                spec.method, self._clock() - started, calls_after - calls_before,
                hits_after - hits_before, work.n_distinct_pairs,
            ))
            if log_probs is not None:
                signals.append(_weighted_entropy_signal(spec.method, assignments, texts, log_probs))
        if self.graph_scores:
            signals.extend(self._graph_signals(work, specs, stats))
        return QuestionScores(tuple(clusters), tuple(signals), tuple(stats))

    def _graph_signals(
        self, work: _QuestionWork, specs: Sequence[ClusterSpec], stats: list[ClusterStats]
    ) -> list[SignalRecord]:
        lexical = lexical_uncertainty(work.texts)
        signals = [_signal("lexical_uncertainty", lexical, "fewer than 2 samples")]
        done: set[str] = set()
        for spec in specs:
            label = graph_signal_label(spec)
            if label is None or label in done:
                continue
            done.add(label)
            started = self._clock()
            calls_before, hits_before = work.counters(spec)
            affinity = work.affinity(spec)
            calls_after, hits_after = work.counters(spec)
            for name, function in (
                ("eigv_uncertainty", eigv_uncertainty),
                ("degree_uncertainty", degree_uncertainty),
                ("eccentricity_uncertainty", eccentricity_uncertainty),
            ):
                signals.append(_signal(f"{name}:{label}", function(affinity), "no samples"))
            if spec.kind is ClusterKind.EMBEDDING:
                signals.append(_signal(
                    f"embedding_dispersion_uncertainty:{label}",
                    embedding_dispersion_uncertainty(work.embeddings(spec)), "no samples",
                ))
            stats.append(ClusterStats(
                f"graph:{label}", self._clock() - started, calls_after - calls_before,
                hits_after - hits_before, work.n_distinct_pairs,
            ))
        return signals


class _QuestionWork:
    """Matrices of one question, built on first use and shared by every spec."""

    def __init__(self, scorer: QuestionScorer, texts: list[str], question: str) -> None:
        self.scorer = scorer
        self.texts = texts
        self.question = question
        self.distinct = list(dict.fromkeys(texts))
        index_of = {text: i for i, text in enumerate(self.distinct)}
        self.sample_index = [index_of[text] for text in texts]
        self._embeddings: dict[str, npt.NDArray[np.float32]] = {}
        self._embed_counts: dict[str, tuple[int, int]] = {}
        self._nli: dict[str, NliPairMatrix] = {}
        self._judges: dict[str, LlmEquivalenceJudge] = {}

    @property
    def n_distinct_pairs(self) -> int:
        n = len(self.distinct)
        return n * (n - 1) // 2

    def counters(self, spec: ClusterSpec) -> tuple[int, int]:
        """Return (model calls, cache hits) so far for the spec's model."""
        if spec.kind is ClusterKind.NLI and spec.model in self._nli:
            matrix = self._nli[spec.model]
            return matrix.n_model_calls, matrix.n_cache_hits
        if spec.kind is ClusterKind.EMBEDDING and spec.model in self._embed_counts:
            return self._embed_counts[spec.model]
        if spec.kind is ClusterKind.LLM and spec.model in self._judges:
            return self._judges[spec.model].n_model_calls, 0
        return 0, 0

    def embeddings(self, spec: ClusterSpec) -> npt.NDArray[np.float32]:
        name = spec.model or ""
        if name not in self._embeddings:
            embedder, cache = self.scorer._embedder(name)
            cached = cache.get_many(self.distinct) if cache is not None else {}
            missing = [text for text in self.distinct if text not in cached]
            if missing:
                fresh = embedder.embed(missing)
                new = {text: fresh[i] for i, text in enumerate(missing)}
                if cache is not None:
                    cache.put_many(new)
                cached.update(new)
            self._embed_counts[name] = (len(missing), len(self.distinct) - len(missing))
            if self.texts:
                self._embeddings[name] = np.stack([cached[text] for text in self.texts])
            else:
                self._embeddings[name] = np.zeros((0, 1), dtype=np.float32)
        return self._embeddings[name]

    def nli_matrix(self, name: str) -> NliPairMatrix:
        if name not in self._nli:
            loaded = self.scorer._nli_model(name)
            cache = None
            if self.scorer.store is not None:
                cache = NliPairCache(self.scorer.store, loaded.sha256, loaded.max_length)
            predictor: NliPredictor = loaded.model
            self._nli[name] = NliPairMatrix(self.texts, predictor, cache)
        return self._nli[name]

    def cluster(self, spec: ClusterSpec) -> tuple[int, ...]:
        if spec.kind is ClusterKind.JACCARD:
            return cluster_jaccard(self.texts, spec.threshold)
        if spec.kind is ClusterKind.EMBEDDING:
            return cluster_embeddings(self.embeddings(spec), spec.threshold)
        assign = spec.assign or ClusterAssign.GREEDY
        if spec.kind is ClusterKind.NLI:
            matrix = self.nli_matrix(spec.model or "")
            test = matrix.equivalence_test(spec.rule or EquivalenceRule.ENTAIL, spec.threshold)
        else:
            name = spec.model or ""
            if name not in self._judges:
                self._judges[name] = LlmEquivalenceJudge(
                    self.scorer._judge_backend(name), self.question
                )
            test = self._judges[name].equivalence_test(self.distinct)
        distinct_labels = cluster_by_equivalence(len(self.distinct), test, assign)
        return canonical_labels([distinct_labels[i] for i in self.sample_index])

    def affinity(self, spec: ClusterSpec) -> npt.NDArray[np.float64]:
        if spec.kind is ClusterKind.JACCARD:
            return jaccard_affinity(self.texts)
        if spec.kind is ClusterKind.EMBEDDING:
            return cosine_affinity(self.embeddings(spec))
        return self.nli_matrix(spec.model or "").entailment_affinity()


def _signal(name: str, value: float, reason: str) -> SignalRecord:
    if math.isnan(value):
        return SignalRecord(name, None, True, reason)
    return SignalRecord(name, value)


def _weighted_entropy_signal(
    method: str, assignments: Sequence[int], texts: Sequence[str], log_probs: Sequence[float]
) -> SignalRecord:
    value = weighted_semantic_entropy(assignments, texts, log_probs)
    return _signal(f"weighted_semantic_entropy:{method}", value,
                   "no samples or a log-probability is not finite")
