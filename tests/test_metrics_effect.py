from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from homog_local.errors import UndefinedMetricWarning
from homog_local.metrics.auroc import auroc
from homog_local.metrics.effect import cohens_d, mann_whitney


def test_cohens_d_toy_case() -> None:
    # Means 3 and 1, both variances 2 (ddof=1), pooled SD sqrt(2): d = 2 / sqrt(2).
    result = cohens_d([2.0, 4.0], [0.0, 2.0])
    assert result.value == pytest.approx(math.sqrt(2.0), abs=1e-12)
    assert result.n_a == 2
    assert result.n_b == 2
    assert result.undefined_reason == ""


def test_cohens_d_unequal_sizes() -> None:
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = np.array([0.0, 1.0, 2.0])
    pooled = math.sqrt((3 * a.var(ddof=1) + 2 * b.var(ddof=1)) / 5)
    assert cohens_d(a, b).value == pytest.approx((a.mean() - b.mean()) / pooled, abs=1e-12)


def test_cohens_d_small_group_undefined() -> None:
    with pytest.warns(UndefinedMetricWarning, match=r"at least 2 values \(n_a=1, n_b=3\)"):
        result = cohens_d([1.0], [1.0, 2.0, 3.0])
    assert math.isnan(result.value)
    assert result.n_a == 1


def test_cohens_d_zero_spread_undefined() -> None:
    with pytest.warns(UndefinedMetricWarning, match="pooled standard deviation is 0"):
        result = cohens_d([1.0, 1.0], [1.0, 1.0])
    assert math.isnan(result.value)


def test_mann_whitney_matches_scipy_and_auroc() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(0.5, 1, size=40)
    b = rng.normal(0.0, 1, size=50)
    result = mann_whitney(a, b)
    expected = stats.mannwhitneyu(a, b, alternative="two-sided")
    assert result.statistic == expected.statistic
    assert result.p_value == expected.pvalue
    scores = np.concatenate([a, b])
    labels = np.r_[np.ones(40), np.zeros(50)]
    assert result.effect == pytest.approx(auroc(scores, labels), abs=1e-12)


def test_mann_whitney_empty_group_undefined() -> None:
    with pytest.warns(UndefinedMetricWarning, match="a group is empty"):
        result = mann_whitney([], [1.0])
    assert math.isnan(result.p_value)
    assert result.n_a == 0


def test_mann_whitney_all_tied_undefined_p() -> None:
    with pytest.warns(UndefinedMetricWarning, match="all values are tied"):
        result = mann_whitney([1.0, 1.0], [1.0])
    assert result.statistic == 1.0
    assert result.effect == 0.5
    assert math.isnan(result.p_value)
