"""Records written to and read from the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ClusterRecord",
    "LabelRecord",
    "QuestionResult",
    "RunRecord",
    "SampleRecord",
    "SignalRecord",
    "StageCost",
]


@dataclass(frozen=True)
class SampleRecord:
    """One generated answer as stored (greedy or sampled)."""

    text: str
    n_tokens: int
    stop_reason: str
    log_prob: float
    mean_token_entropy: float | None
    is_empty: bool
    elapsed_s: float
    seed: int | None = None
    token_entropies: tuple[float, ...] = ()
    max_token_entropy: float | None = None
    token_texts: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClusterRecord:
    """Cluster assignment of one question's samples under one method."""

    method: str
    kind: str
    threshold: float
    model: str | None
    assignments: tuple[int, ...]

    @property
    def n_clusters(self) -> int:
        """Number of distinct clusters."""
        return len(set(self.assignments))


@dataclass(frozen=True)
class SignalRecord:
    """One uncertainty signal of one question.

    ``value`` is None when the signal is undefined, with the reason stored.
    """

    name: str
    value: float | None
    higher_is_uncertain: bool = True
    undefined_reason: str | None = None


@dataclass(frozen=True)
class LabelRecord:
    """A correctness label of the greedy answer with the judge that gave it."""

    judge: str
    label: str
    score: float | None
    detail: str
    is_primary: bool


@dataclass(frozen=True)
class StageCost:
    """Measured cost of one pipeline stage for one question."""

    stage: str
    seconds: float
    n_tokens: int = 0


@dataclass(frozen=True)
class QuestionResult:
    """Everything the run loop stores for one question, in one transaction."""

    qid: str
    prompt: str
    n_prompt_tokens: int
    greedy: SampleRecord
    samples: tuple[SampleRecord, ...]
    clusters: tuple[ClusterRecord, ...]
    signals: tuple[SignalRecord, ...]
    labels: tuple[LabelRecord, ...]
    costs: tuple[StageCost, ...] = ()
    events: tuple[tuple[str, str, str], ...] = field(default=())


@dataclass(frozen=True)
class RunRecord:
    """A stored run with its progress."""

    id: int
    created_utc: str
    updated_utc: str
    status: str
    settings: dict[str, Any]
    model_name: str
    model_path: str
    model_sha256: str
    model_kind: str
    dataset: str
    dataset_source: str
    n_questions: int
    n_done: int
    n_skipped_rows: int
    seed: int
    prompt_template: str
    environment: dict[str, Any]
    error: str | None
