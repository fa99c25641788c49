from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from homog_local.metrics.multiple_testing import benjamini_hochberg


def test_bh_hand_worked() -> None:
    # Sorted 0.005, 0.01, 0.03, 0.04 scaled by 4/i: 0.02, 0.02, 0.04, 0.04.
    result = benjamini_hochberg([0.01, 0.04, 0.03, 0.005], alpha=0.03)
    np.testing.assert_allclose(result.adjusted, [0.02, 0.04, 0.04, 0.02])
    assert result.rejected.tolist() == [True, False, False, True]
    assert result.n_tests == 4


def test_bh_matches_scipy() -> None:
    p = np.random.default_rng(1).random(50) ** 3
    expected = stats.false_discovery_control(p, method="bh")
    np.testing.assert_allclose(benjamini_hochberg(p).adjusted, expected, rtol=1e-12)


def test_bh_nan_excluded_and_counted() -> None:
    result = benjamini_hochberg([0.01, math.nan, 0.02])
    assert result.n_tests == 2
    assert result.n_missing == 1
    assert math.isnan(result.adjusted[1])
    assert not result.rejected[1]
    assert result.adjusted[0] == pytest.approx(0.02)


def test_bh_rejects_out_of_range() -> None:
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        benjamini_hochberg([1.2])
