"""Per-question view of a run for the explorer: samples, clusters, greedy answer, labels."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from homog_local.store import Store
from homog_local.store.records import ClusterRecord, LabelRecord, SampleRecord

__all__ = [
    "ClusterFilter",
    "QuestionFilter",
    "QuestionView",
    "filter_questions",
    "load_questions",
    "word_entropies",
]


@dataclass(frozen=True)
class QuestionView:
    """Everything stored for one question of a run.

    Parameters
    ----------
    qid : str
        Question id within the dataset.
    position : int
        Order in the run.
    text : str
        Question text.
    category : str or None
        Dataset category, when the dataset has one.
    references, incorrect_references : tuple of str
        Reference answers.
    greedy : SampleRecord or None
        Greedy answer with per-token entropies; None while unfinished.
    samples : tuple of SampleRecord
        Sampled answers in sample order.
    clusters : dict of str to ClusterRecord
        Cluster assignment per method.
    labels : tuple of LabelRecord
        Judge labels, primary first.
    """

    qid: str
    position: int
    text: str
    category: str | None
    references: tuple[str, ...]
    incorrect_references: tuple[str, ...]
    greedy: SampleRecord | None
    samples: tuple[SampleRecord, ...]
    clusters: dict[str, ClusterRecord]
    labels: tuple[LabelRecord, ...]

    @property
    def is_done(self) -> bool:
        """Whether the question has stored results."""
        return self.greedy is not None

    @property
    def primary_label(self) -> LabelRecord | None:
        """The primary judge's label, or None when unlabelled."""
        return next((label for label in self.labels if label.is_primary), None)

    def n_clusters(self, method: str) -> int | None:
        """Return the number of clusters under a method, or None when not clustered."""
        record = self.clusters.get(method)
        return record.n_clusters if record is not None else None


def load_questions(store: Store, run_id: int) -> list[QuestionView]:
    """Read every question of a run with its stored results, in run order."""
    greedy = store.greedy_answers(run_id)
    samples = store.samples(run_id)
    clusters = store.clusters(run_id)
    labels = store.labels(run_id)
    views = []
    for row in store.questions(run_id):
        qid = row["qid"]
        views.append(
            QuestionView(
                qid=qid,
                position=row["position"],
                text=row["text"],
                category=row["category"],
                references=tuple(json.loads(row["references_json"])),
                incorrect_references=tuple(json.loads(row["incorrect_references_json"])),
                greedy=greedy.get(qid),
                samples=tuple(samples.get(qid, ())),
                clusters=clusters.get(qid, {}),
                labels=tuple(labels.get(qid, ())),
            )
        )
    return views


class ClusterFilter(StrEnum):
    """Explorer filter on the number of clusters of a question."""

    ALL = "all"
    SINGLE = "single"
    MULTI = "multi"


@dataclass(frozen=True)
class QuestionFilter:
    """Explorer filter; every condition must hold.

    Parameters
    ----------
    clusters : ClusterFilter
        Single-cluster (exactly one cluster) or multi-cluster questions under ``method``.
    method : str or None
        Clusterer the cluster filter applies to.
    label : str or None
        Primary label (``correct``, ``incorrect``, ``ambiguous``, ``unlabelled``); None for any.
    category : str or None
        Dataset category; None for any.
    search : str
        Case-insensitive substring of the question text or any answer.
    """

    clusters: ClusterFilter = ClusterFilter.ALL
    method: str | None = None
    label: str | None = None
    category: str | None = None
    search: str = ""


def filter_questions(
    questions: Sequence[QuestionView], selection: QuestionFilter
) -> list[QuestionView]:
    """Return the finished questions that match the filter, in run order."""
    needle = selection.search.strip().lower()
    kept = []
    for view in questions:
        if not view.is_done:
            continue
        if selection.clusters is not ClusterFilter.ALL and selection.method is not None:
            count = view.n_clusters(selection.method)
            if count is None:
                continue
            if (count == 1) != (selection.clusters is ClusterFilter.SINGLE):
                continue
        if selection.label is not None:
            primary = view.primary_label
            label = primary.label if primary is not None else "unlabelled"
            if label != selection.label:
                continue
        if selection.category is not None and view.category != selection.category:
            continue
        if needle and not _matches(view, needle):
            continue
        kept.append(view)
    return kept


def _matches(view: QuestionView, needle: str) -> bool:
    texts = [view.text, *(s.text for s in view.samples)]
    if view.greedy is not None:
        texts.append(view.greedy.text)
    return any(needle in text.lower() for text in texts)


def word_entropies(text: str, token_entropies: Sequence[float]) -> list[tuple[str, float | None]]:
    """Pair each whitespace-separated word with an approximate entropy.

    Parameters
    ----------
    text : str
        Greedy answer text.
    token_entropies : sequence of float
        Entropy (nats) of each generated token, in order.

    Returns
    -------
    list of (str, float or None)
        Each word with the mean entropy of the tokens assigned to it; None
        when there are no token entropies.

    Notes
    -----
    The store keeps per-token entropies but not per-token text, so the
    alignment is an approximation: the n tokens are spread evenly over the m
    words in order (word i gets tokens ``floor(i*n/m)`` up to
    ``floor((i+1)*n/m)``, at least one). It is exact only when every word is
    one token.

    Examples
    --------
    >>> word_entropies("a b", [1.0, 3.0, 5.0, 7.0])
    [('a', 2.0), ('b', 6.0)]
    """
    words = text.split()
    n_tokens = len(token_entropies)
    if not words:
        return []
    if n_tokens == 0:
        return [(word, None) for word in words]
    n_words = len(words)
    paired = []
    for index, word in enumerate(words):
        start = index * n_tokens // n_words
        stop = max((index + 1) * n_tokens // n_words, start + 1)
        span = token_entropies[start : min(stop, n_tokens)] or token_entropies[-1:]
        paired.append((word, sum(span) / len(span)))
    return paired
