from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from homog_local.metrics.auroc import auroc
from homog_local.metrics.paper_compat import (
    minmax_normalize_floats,
    numpy_legacy_bootstrap_ci,
    python_random_bootstrap_ci,
    trapezoid_auroc,
)

PAPER_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "paper"
HEAD_TO_HEAD = PAPER_DIR / "exp27_sindex_headtohead.json"
SIGNAL_KEYS = {
    "b1_entropy": "auroc_B1 mean entropy",
    "se_jaccard": "auroc_SE-Jaccard (tau=0.4)",
    "se_emb": "auroc_SE-Embedding (tau=0.85)",
    "sindex": "auroc_SINdex (full, tau=0.95)",
}


def _head_to_head() -> dict:
    if not HEAD_TO_HEAD.exists():
        pytest.skip(f"released paper data not found at {HEAD_TO_HEAD}")
    return json.loads(HEAD_TO_HEAD.read_text())


def test_trapezoid_auroc_matches_rank_auroc() -> None:
    rng = np.random.default_rng(0)
    scores = (rng.integers(0, 9, size=200) / 8).tolist()
    labels = rng.integers(0, 2, size=200).tolist()
    assert trapezoid_auroc(scores, labels) == pytest.approx(auroc(scores, labels), abs=1e-12)


def test_minmax_normalize_floats_constant() -> None:
    assert minmax_normalize_floats([2.0, 2.0]) == [0.0, 0.0]
    assert minmax_normalize_floats([1.0, 3.0, 2.0]) == [0.0, 1.0, 0.5]


def test_python_random_bootstrap_is_deterministic() -> None:
    first = python_random_bootstrap_ci([0.1, 0.5, 0.3, 0.9] * 5, [0, 1, 0, 1] * 5)
    second = python_random_bootstrap_ci([0.1, 0.5, 0.3, 0.9] * 5, [0, 1, 0, 1] * 5)
    assert first == second
    assert first.n_kept == 2000


def test_head_to_head_rates_and_aurocs() -> None:
    data = _head_to_head()
    rows = data["per_question"]
    labels = [r["y_true"] for r in rows]
    assert np.mean([r["scr_jaccard"] for r in rows]) == pytest.approx(0.010, abs=1e-12)
    assert np.mean([r["scr_emb"] for r in rows]) == pytest.approx(0.335, abs=1e-12)
    for column, key in SIGNAL_KEYS.items():
        scores = [r[column] for r in rows]
        assert auroc(scores, labels) == pytest.approx(data[key]["auroc"], abs=1e-9), column


def test_head_to_head_cis_from_legacy_numpy_bootstrap() -> None:
    data = _head_to_head()
    rows = data["per_question"]
    labels = [r["y_true"] for r in rows]
    for column, key in SIGNAL_KEYS.items():
        interval = numpy_legacy_bootstrap_ci([r[column] for r in rows], labels)
        assert interval.ci_low == pytest.approx(data[key]["ci_lo"], abs=1e-9), column
        assert interval.ci_high == pytest.approx(data[key]["ci_hi"], abs=1e-9), column


def test_legacy_bootstrap_one_class_undefined() -> None:
    with pytest.warns(Warning, match="no resample contains both classes"):
        interval = numpy_legacy_bootstrap_ci([0.1, 0.2], [0, 0], n_resamples=10)
    assert math.isnan(interval.ci_low)
