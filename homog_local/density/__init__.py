"""B2: question-embedding density over the whole dataset, as an uncertainty signal.

``b2_density_uncertainty`` is minus the mean cosine similarity of a question
to its k = 10 nearest other questions of the dataset; higher means the
question sits in a sparser region and is treated as less certain. It is
computed on demand from a stored run, never during generation.
"""

from __future__ import annotations

from homog_local.density.knn import knn_mean_similarity, unit_rows
from homog_local.density.signal import (
    B2_SIGNAL,
    DEFAULT_K,
    STAGE_DENSITY,
    DensityOutcome,
    LoadedEmbedder,
    dataset_embeddings,
    ensure_density_signal,
    load_run_dataset,
)

__all__ = [
    "B2_SIGNAL",
    "DEFAULT_K",
    "STAGE_DENSITY",
    "DensityOutcome",
    "LoadedEmbedder",
    "dataset_embeddings",
    "ensure_density_signal",
    "knn_mean_similarity",
    "load_run_dataset",
    "unit_rows",
]
