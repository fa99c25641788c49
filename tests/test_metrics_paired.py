from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from homog_local.errors import UndefinedMetricWarning
from homog_local.metrics.auroc import auroc
from homog_local.metrics.paired import (
    mcnemar_exact,
    paired_auroc_difference,
    paired_mean_difference,
    wilcoxon_signed_rank,
)


def test_paired_auroc_difference_brackets_estimate() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=300)
    a = rng.normal(size=300) + labels
    b = rng.normal(size=300) + 0.2 * labels
    result = paired_auroc_difference(a, b, labels, n_resamples=2000, seed=1)
    assert result.value == pytest.approx(auroc(a, labels) - auroc(b, labels))
    assert 0 < result.ci_low < result.value < result.ci_high


def test_paired_auroc_difference_same_scores_is_zero() -> None:
    scores = np.linspace(0, 1, 20)
    result = paired_auroc_difference(scores, scores, [0, 1] * 10, n_resamples=100)
    assert result.value == 0.0
    assert result.ci_low == result.ci_high == 0.0


def test_paired_auroc_difference_one_class_undefined() -> None:
    with pytest.warns(UndefinedMetricWarning, match="needs both classes"):
        result = paired_auroc_difference([0.1, 0.2], [0.2, 0.1], [0, 0], n_resamples=10)
    assert math.isnan(result.value)


def test_paired_mean_difference_constant_shift() -> None:
    a = np.arange(10.0)
    result = paired_mean_difference(a + 2, a, n_resamples=100)
    assert result.value == 2.0
    assert result.ci_low == result.ci_high == 2.0


def test_paired_mean_difference_empty_undefined() -> None:
    with pytest.warns(UndefinedMetricWarning, match="no paired questions"):
        result = paired_mean_difference([], [])
    assert math.isnan(result.value)


def test_paired_rejects_length_mismatch() -> None:
    with pytest.raises(ValueError, match="paired inputs differ in length: 2 vs 1"):
        paired_mean_difference([1.0, 2.0], [1.0])


def test_wilcoxon_matches_scipy() -> None:
    rng = np.random.default_rng(4)
    a = rng.normal(size=40)
    b = a + rng.normal(0.3, 1, size=40)
    result = wilcoxon_signed_rank(a, b)
    expected = stats.wilcoxon(a - b)
    assert result.statistic == expected.statistic
    assert result.p_value == pytest.approx(expected.pvalue)
    assert result.n == 40


def test_wilcoxon_all_zero_undefined() -> None:
    with pytest.warns(UndefinedMetricWarning, match=r"every difference is zero \(n=3\)"):
        result = wilcoxon_signed_rank([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert math.isnan(result.p_value)
    assert result.n_total == 3


def test_mcnemar_exact_hand_worked() -> None:
    # 1 question only run a got right, 9 only run b: p = 2 * (1 + 10) / 2**10.
    correct_a = [1] + [0] * 9 + [1] * 5
    correct_b = [0] + [1] * 9 + [1] * 5
    result = mcnemar_exact(correct_a, correct_b)
    assert result.statistic == 1.0
    assert result.n == 10
    assert result.n_total == 15
    assert result.p_value == pytest.approx(22 / 1024)


def test_mcnemar_no_discordant_undefined() -> None:
    with pytest.warns(UndefinedMetricWarning, match="no discordant questions"):
        result = mcnemar_exact([1, 0], [1, 0])
    assert math.isnan(result.p_value)
