"""Uncertainty scores of one question's samples from their similarity graph and wording.

Orientation: every score here is named ``*_uncertainty`` or ``*_entropy`` and
is higher when the samples disagree more, that is when the model is less
certain. Each function's Notes give its formula and range.
"""

from __future__ import annotations

from homog_local.graph.affinity import cosine_affinity, jaccard_affinity
from homog_local.graph.dispersion import embedding_dispersion_uncertainty
from homog_local.graph.lexical import lexical_uncertainty, rouge_l_f1
from homog_local.graph.spectral import (
    degree_uncertainty,
    eccentricity_uncertainty,
    eigv_uncertainty,
    normalized_laplacian,
)
from homog_local.graph.weighted_entropy import weighted_semantic_entropy

__all__ = [
    "cosine_affinity",
    "degree_uncertainty",
    "eccentricity_uncertainty",
    "eigv_uncertainty",
    "embedding_dispersion_uncertainty",
    "jaccard_affinity",
    "lexical_uncertainty",
    "normalized_laplacian",
    "rouge_l_f1",
    "weighted_semantic_entropy",
]
