from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from homog_local.errors import UndefinedMetricWarning
from homog_local.metrics.selective import (
    accuracy_at_coverage,
    aurc,
    prediction_rejection_ratio,
    risk_coverage_curve,
)


def _aurc_over_tie_orders(scores: list[float], labels: list[int]) -> float:
    """Slow reference: average AURC over every order consistent with the scores."""
    n = len(scores)
    values = []
    for order in itertools.permutations(range(n)):
        if any(scores[order[i]] > scores[order[i + 1]] for i in range(n - 1)):
            continue
        errors = np.cumsum([labels[i] for i in order])
        values.append(np.mean(errors / np.arange(1, n + 1)))
    return float(np.mean(values))


def test_risk_coverage_hand_worked() -> None:
    curve = risk_coverage_curve([0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1])
    np.testing.assert_allclose(curve.coverage, [0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(curve.risk, [0.0, 0.5, 1 / 3, 0.5])


def test_aurc_hand_worked_with_ties() -> None:
    # Expected errors among the first k: 0, 0.5, 1 -> risks 0, 0.25, 1/3.
    assert aurc([0.1, 0.5, 0.5], [0, 1, 0]) == pytest.approx((0 + 0.25 + 1 / 3) / 3)


def test_aurc_matches_tie_order_reference() -> None:
    rng = np.random.default_rng(2)
    scores = rng.integers(0, 3, size=7).astype(float).tolist()
    labels = rng.integers(0, 2, size=7).tolist()
    assert aurc(scores, labels) == pytest.approx(_aurc_over_tie_orders(scores, labels), abs=1e-12)


def test_aurc_empty_warns() -> None:
    with pytest.warns(UndefinedMetricWarning, match="no questions"):
        assert math.isnan(aurc([], []))


def test_prr_oracle_random_and_inverted() -> None:
    labels = [0, 0, 0, 1, 1]
    assert prediction_rejection_ratio([1, 2, 3, 4, 5], labels).value == pytest.approx(1.0)
    assert prediction_rejection_ratio([3.0] * 5, labels).value == pytest.approx(0.0, abs=1e-12)
    assert prediction_rejection_ratio([5, 4, 3, 2, 1], labels).value < 0


def test_prr_parts_hand_worked() -> None:
    result = prediction_rejection_ratio([1, 2, 3, 4], [0, 1, 0, 1])
    # Oracle keeps both correct answers first: risks 0, 0, 1/3, 1/2.
    assert result.aurc_oracle == pytest.approx((1 / 3 + 1 / 2) / 4)
    assert result.aurc_random == 0.5
    assert result.aurc == pytest.approx((0 + 0.5 + 1 / 3 + 0.5) / 4)
    expected = (0.5 - result.aurc) / (0.5 - result.aurc_oracle)
    assert result.value == pytest.approx(expected)


def test_prr_one_class_undefined() -> None:
    with pytest.warns(UndefinedMetricWarning, match=r"needs both classes \(n\+=0, n-=3\)"):
        result = prediction_rejection_ratio([0.1, 0.2, 0.3], [0, 0, 0])
    assert math.isnan(result.value)
    assert result.n_negative == 3


def test_accuracy_at_coverage_hand_worked() -> None:
    scores = np.arange(10, dtype=float)
    labels = np.array([0, 0, 0, 1, 0, 1, 0, 1, 1, 1])
    rows = accuracy_at_coverage(scores, labels, coverages=(1.0, 0.5, 0.3, 0.1))
    assert [row.n_kept for row in rows] == [10, 5, 3, 1]
    assert [row.accuracy for row in rows] == pytest.approx([0.5, 0.8, 1.0, 1.0])


def test_accuracy_at_coverage_default_grid() -> None:
    rows = accuracy_at_coverage(np.arange(20.0), [0, 1] * 10)
    assert [row.coverage for row in rows] == pytest.approx([1.0 - 0.1 * i for i in range(10)])


def test_accuracy_at_coverage_rejects_zero() -> None:
    with pytest.raises(ValueError, match=r"coverages must be in \(0, 1\]"):
        accuracy_at_coverage([0.1], [0], coverages=(0.0,))


def test_accuracy_at_coverage_empty_warns() -> None:
    with pytest.warns(UndefinedMetricWarning, match="accuracy at coverage"):
        rows = accuracy_at_coverage([], [], coverages=(0.5,))
    assert math.isnan(rows[0].accuracy)
