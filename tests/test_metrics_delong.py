from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from homog_local.errors import UndefinedMetricWarning
from homog_local.metrics.auroc import auroc
from homog_local.metrics.delong import delong_test


def _slow_delong(a: np.ndarray, b: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Reference DeLong from pairwise placement values (O(m n) loops)."""

    def psi(x: float, y: float) -> float:
        return 1.0 if x > y else 0.5 if x == y else 0.0

    components = []
    for scores in (a, b):
        pos = scores[labels == 1]
        neg = scores[labels == 0]
        v10 = np.array([np.mean([psi(x, y) for y in neg]) for x in pos])
        v01 = np.array([np.mean([psi(x, y) for x in pos]) for y in neg])
        components.append((v10, v01))
    m = int(labels.sum())
    n = len(labels) - m
    s10 = np.cov(np.vstack([components[0][0], components[1][0]]))
    s01 = np.cov(np.vstack([components[0][1], components[1][1]]))
    c = np.array([1.0, -1.0])
    variance = c @ (s10 / m + s01 / n) @ c
    difference = components[0][0].mean() - components[1][0].mean()
    z = difference / math.sqrt(variance)
    return z, 2 * stats.norm.sf(abs(z))


def test_delong_matches_slow_reference() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=60)
    a = rng.integers(0, 8, size=60) + 2.0 * labels  # ties on purpose
    b = rng.normal(size=60) + 0.5 * labels
    result = delong_test(a, b, labels)
    z, p = _slow_delong(a, b, labels)
    assert result.z == pytest.approx(z, rel=1e-10)
    assert result.p_value == pytest.approx(p, rel=1e-10)
    assert result.auroc_a == pytest.approx(auroc(a, labels), abs=1e-12)
    assert result.auroc_b == pytest.approx(auroc(b, labels), abs=1e-12)


def test_delong_identical_scores_undefined() -> None:
    scores = [0.1, 0.4, 0.3, 0.8]
    with pytest.warns(UndefinedMetricWarning, match="variance of the AUROC difference is 0"):
        result = delong_test(scores, scores, [0, 1, 0, 1])
    assert result.difference == 0.0
    assert math.isnan(result.p_value)


def test_delong_small_class_undefined() -> None:
    with pytest.warns(UndefinedMetricWarning, match=r"at least 2 answers \(n\+=1, n-=2\)"):
        result = delong_test([0.1, 0.2, 0.3], [0.3, 0.2, 0.1], [1, 0, 0])
    assert math.isnan(result.z)


def test_delong_rejects_length_mismatch() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        delong_test([0.1, 0.2], [0.1], [0, 1])
