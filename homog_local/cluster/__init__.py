"""Clusterers that group one question's sampled answers by meaning or wording."""

from __future__ import annotations

from homog_local.cluster.embedding import cluster_embeddings
from homog_local.cluster.jaccard import bigram_set, cluster_jaccard, jaccard_similarity
from homog_local.cluster.labels import canonical_labels

__all__ = [
    "bigram_set",
    "canonical_labels",
    "cluster_embeddings",
    "cluster_jaccard",
    "jaccard_similarity",
]
