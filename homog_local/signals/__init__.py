"""Per-question uncertainty signals and what each one costs.

Every signal here is an uncertainty: a higher value means the model is less
certain. A signal's ``stages`` name the pipeline stages it needs, so reports
can weigh its quality against its measured cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from homog_local.metrics.entropy import cluster_entropy
from homog_local.store.records import ClusterRecord, SampleRecord, SignalRecord

__all__ = [
    "B1_MAX",
    "B1_MEAN",
    "SignalInfo",
    "cluster_signal_names",
    "compute_signals",
    "describe_signal",
]

B1_MEAN = "b1_mean_token_entropy"
B1_MAX = "b1_max_token_entropy"
STAGE_GREEDY = "greedy"
STAGE_SAMPLING = "sampling"


@dataclass(frozen=True)
class SignalInfo:
    """Definition, orientation and required pipeline stages of a signal.

    Parameters
    ----------
    name : str
        Stored signal name.
    description : str
        One-line definition with its unit.
    higher_is_uncertain : bool
        Orientation; True for every built-in signal.
    stages : tuple of str
        Pipeline stages whose cost the signal carries.
    """

    name: str
    description: str
    higher_is_uncertain: bool
    stages: tuple[str, ...]


def cluster_signal_names(method: str) -> tuple[str, str]:
    """Return the (number of clusters, semantic entropy) signal names of a clusterer."""
    return f"n_clusters:{method}", f"semantic_entropy:{method}"


def describe_signal(name: str) -> SignalInfo:
    """Return the definition of a stored signal name."""
    if name == B1_MEAN:
        return SignalInfo(name, "mean full-vocabulary token entropy of the greedy answer (nats)",
                          True, (STAGE_GREEDY,))
    if name == B1_MAX:
        return SignalInfo(name, "max full-vocabulary token entropy of the greedy answer (nats)",
                          True, (STAGE_GREEDY,))
    kind, _, method = name.partition(":")
    if kind == "n_clusters":
        return SignalInfo(name, f"number of clusters among the samples under {method}", True,
                          (STAGE_SAMPLING, f"cluster:{method}"))
    if kind == "semantic_entropy":
        return SignalInfo(name, f"entropy of cluster shares under {method} (nats)", True,
                          (STAGE_SAMPLING, f"cluster:{method}"))
    if name == "lexical_uncertainty":
        return SignalInfo(name, "1 − mean pairwise ROUGE-L F1 of the samples, in [0, 1]", True,
                          (STAGE_SAMPLING,))
    graph_scores = {
        "eigv_uncertainty": "sum of max(0, 1 − λ) over graph Laplacian eigenvalues, in [1, N]",
        "degree_uncertainty": "1 − mean affinity degree / N, in [0, 1 − 1/N]",
        "eccentricity_uncertainty": "spread of spectral sample embeddings, in [0, √(N − 1)]",
        "embedding_dispersion_uncertainty": "1 − length of the mean unit embedding, in [0, 1]",
        "weighted_semantic_entropy": "entropy of clusters weighted by sequence probability (nats)",
    }
    if kind in graph_scores:
        return SignalInfo(name, f"{graph_scores[kind]} under {method}", True,
                          (STAGE_SAMPLING, f"cluster:{method}"))
    return SignalInfo(name, "user-supplied score", True, ())


def compute_signals(
    greedy: SampleRecord, clusters: Sequence[ClusterRecord]
) -> list[SignalRecord]:
    """Compute every built-in signal of one question.

    Parameters
    ----------
    greedy : SampleRecord
        The greedy answer with its token entropies.
    clusters : sequence of ClusterRecord
        Cluster assignments of the sampled answers, one per clusterer.

    Returns
    -------
    list of SignalRecord
        B1 mean and max token entropy, then per clusterer the number of
        clusters and the discrete semantic entropy −Σ p ln p over cluster
        shares. An empty greedy answer leaves B1 undefined, with the reason.
    """
    signals: list[SignalRecord] = []
    if greedy.token_entropies:
        entropies = greedy.token_entropies
        signals.append(SignalRecord(B1_MEAN, sum(entropies) / len(entropies)))
        signals.append(SignalRecord(B1_MAX, max(entropies)))
    else:
        reason = "empty greedy answer"
        signals.append(SignalRecord(B1_MEAN, None, True, reason))
        signals.append(SignalRecord(B1_MAX, None, True, reason))
    for record in clusters:
        count_name, entropy_name = cluster_signal_names(record.method)
        if not record.assignments:
            signals.append(SignalRecord(count_name, None, True, "no samples"))
            signals.append(SignalRecord(entropy_name, None, True, "no samples"))
            continue
        signals.append(SignalRecord(count_name, float(record.n_clusters)))
        signals.append(SignalRecord(entropy_name, float(cluster_entropy(record.assignments))))
    return signals
