"""ONNX sentence embedders (onnxruntime and tokenizers), used to cluster answers by meaning."""

from __future__ import annotations

from homog_local.embed.onnx import OnnxEmbedder, load_embedder
from homog_local.embed.pooling import POOLING_METHODS, Pooling, l2_normalize, mean_pool

__all__ = [
    "POOLING_METHODS",
    "OnnxEmbedder",
    "Pooling",
    "l2_normalize",
    "load_embedder",
    "mean_pool",
]
