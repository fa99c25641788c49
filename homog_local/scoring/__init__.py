"""Scoring stored or fresh samples: clusterers, graph scores, re-scoring and caches."""

from __future__ import annotations

from homog_local.scoring.loaders import LoadedNli
from homog_local.scoring.question import QuestionScorer, QuestionScores, graph_signal_label

__all__ = ["LoadedNli", "QuestionScorer", "QuestionScores", "graph_signal_label"]
