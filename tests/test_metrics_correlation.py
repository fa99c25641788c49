from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from homog_local.errors import UndefinedMetricWarning
from homog_local.metrics.correlation import correlation


def test_correlation_matches_scipy() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=50)
    y = x + rng.normal(size=50)
    assert correlation(x, y, "pearson").value == pytest.approx(stats.pearsonr(x, y).statistic)
    assert correlation(x, y, "spearman").value == pytest.approx(stats.spearmanr(x, y).statistic)


def test_correlation_monotone_spearman_one() -> None:
    x = np.arange(1.0, 10.0)
    assert correlation(x, x**3, "spearman").value == pytest.approx(1.0)


def test_correlation_constant_undefined() -> None:
    with pytest.warns(UndefinedMetricWarning, match=r"a score is constant \(n=3\)"):
        result = correlation([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])
    assert math.isnan(result.value)


def test_correlation_too_few_undefined() -> None:
    with pytest.warns(UndefinedMetricWarning, match="at least 3 pairs"):
        assert math.isnan(correlation([1.0, 2.0], [2.0, 1.0], "pearson").value)
