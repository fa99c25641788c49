from __future__ import annotations

import math

import numpy as np
import pytest

from homog_local.errors import UndefinedMetricWarning
from homog_local.metrics.bootstrap import bootstrap_ci, percentile_bounds, proportion_ci


def test_bootstrap_ci_mean_is_seeded() -> None:
    data = np.random.default_rng(0).normal(size=100)
    first = bootstrap_ci(np.mean, data, n_resamples=500, seed=2)
    second = bootstrap_ci(np.mean, data, n_resamples=500, seed=2)
    assert first == second
    assert first[0] < data.mean() < first[1]


def test_bootstrap_ci_paired_keeps_rows_together() -> None:
    x = np.arange(30, dtype=float)
    # Paired resampling keeps x - y == 1 in every resample, so the CI is a point.
    low, high = bootstrap_ci(lambda a, b: float(np.mean(a - b)), x + 1, x, n_resamples=200)
    assert low == high == 1.0


def test_bootstrap_ci_unpaired_allows_lengths() -> None:
    low, high = bootstrap_ci(
        lambda a, b: float(a.mean() - b.mean()),
        np.arange(10.0),
        np.arange(20.0),
        n_resamples=200,
        paired=False,
    )
    assert low < high


def test_bootstrap_ci_paired_length_mismatch_raises() -> None:
    with pytest.raises(ValueError, match=r"lengths \[2, 3\]"):
        bootstrap_ci(np.mean, [1.0, 2.0], [1.0, 2.0, 3.0])


def test_bootstrap_ci_empty_warns() -> None:
    with pytest.warns(UndefinedMetricWarning, match="an array is empty"):
        low, high = bootstrap_ci(np.mean, [], n_resamples=10)
    assert math.isnan(low)
    assert math.isnan(high)


def test_bootstrap_ci_nan_statistic_warns() -> None:
    with pytest.warns(UndefinedMetricWarning, match="only 0 of 20 resamples"):
        low, _ = bootstrap_ci(lambda a: math.nan, [1.0, 2.0], n_resamples=20)
    assert math.isnan(low)


def test_percentile_bounds_linear() -> None:
    low, high = percentile_bounds(np.arange(101, dtype=float), 0.9)
    assert low == pytest.approx(5.0, abs=1e-12)
    assert high == pytest.approx(95.0, abs=1e-12)


def test_proportion_ci_wilson_hand_worked() -> None:
    # k = 2, n = 200, z = 1.959964: center = (0.01 + z^2/400) / (1 + z^2/200).
    result = proportion_ci([1, 1] + [0] * 198)
    z = 1.959963984540054
    center = (0.01 + z * z / 400) / (1 + z * z / 200)
    half = z * math.sqrt(0.01 * 0.99 / 200 + z * z / 160000) / (1 + z * z / 200)
    assert result.value == 0.01
    assert result.ci_low == pytest.approx(center - half, abs=1e-12)
    assert result.ci_high == pytest.approx(center + half, abs=1e-12)
    assert result.n == 200
    assert result.n_true == 2


def test_proportion_ci_zero_flags_not_degenerate() -> None:
    result = proportion_ci([0] * 50)
    assert result.value == 0.0
    assert result.ci_low == 0.0
    assert result.ci_high > 0.0


def test_proportion_ci_bootstrap_method() -> None:
    result = proportion_ci([0, 1] * 50, method="bootstrap", n_resamples=500)
    assert result.method == "bootstrap"
    assert result.ci_low < 0.5 < result.ci_high


def test_proportion_ci_empty_warns() -> None:
    with pytest.warns(UndefinedMetricWarning, match=r"no questions \(n=0\)"):
        result = proportion_ci([])
    assert math.isnan(result.value)
    assert result.undefined_reason


def test_proportion_ci_rejects_unknown_method() -> None:
    with pytest.raises(ValueError, match="method must be"):
        proportion_ci([0, 1], method="exact")  # type: ignore[arg-type]
