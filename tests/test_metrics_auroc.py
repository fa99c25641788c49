from __future__ import annotations

import importlib
import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from homog_local.errors import UndefinedMetricWarning
from homog_local.metrics.auroc import AurocResult, auroc, auroc_resamples, auroc_with_ci


def _pairwise_auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Slow reference: count every (incorrect, correct) pair, ties as one half."""
    positives = scores[labels == 1]
    negatives = scores[labels == 0]
    total = 0.0
    for p in positives:
        for q in negatives:
            total += 1.0 if p > q else 0.5 if p == q else 0.0
    return total / (len(positives) * len(negatives))


def test_auroc_ties_hand_worked() -> None:
    # Pairs (incorrect, correct): (0.4, 0.1) win, (0.4, 0.4) tie, (0.8, 0.1) win,
    # (0.8, 0.4) win, so AUROC = (1 + 0.5 + 1 + 1) / 4 = 0.875.
    assert auroc([0.1, 0.4, 0.4, 0.8], [0, 1, 0, 1]) == 0.875


def test_auroc_perfect_and_inverted() -> None:
    assert auroc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]) == 1.0
    assert auroc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]) == 0.0


def test_auroc_accepts_booleans() -> None:
    assert auroc([0.1, 0.9], [False, True]) == 1.0


def test_auroc_constant_scores_is_half() -> None:
    assert auroc([0.3, 0.3, 0.3], [0, 1, 1]) == 0.5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_auroc_matches_sklearn_random(seed: int) -> None:
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 15, size=300) / 7.0  # many ties
    labels = rng.integers(0, 2, size=300)
    assert auroc(scores, labels) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)


def test_auroc_matches_pairwise_reference() -> None:
    rng = np.random.default_rng(5)
    scores = rng.integers(0, 5, size=60).astype(float)
    labels = rng.integers(0, 2, size=60)
    assert auroc(scores, labels) == pytest.approx(_pairwise_auroc(scores, labels), abs=1e-12)


def test_auroc_one_class_warns_nan() -> None:
    with pytest.warns(UndefinedMetricWarning, match=r"no incorrect answers \(n\+=0, n-=3\)"):
        value = auroc([0.1, 0.2, 0.3], [0, 0, 0])
    assert math.isnan(value)


def test_auroc_empty_warns_nan() -> None:
    with pytest.warns(UndefinedMetricWarning, match="no questions"):
        assert math.isnan(auroc([], []))


def test_auroc_rejects_nan_scores() -> None:
    with pytest.raises(ValueError, match="1 NaN or infinite"):
        auroc([0.1, float("nan")], [0, 1])


def test_auroc_rejects_bad_labels() -> None:
    with pytest.raises(ValueError, match=r"only 0/1 or booleans .*\[2\]"):
        auroc([0.1, 0.2], [0, 2])


def test_auroc_rejects_length_mismatch() -> None:
    with pytest.raises(ValueError, match="has 3 items but scores have 2"):
        auroc([0.1, 0.2], [0, 1, 1])


def test_auroc_resamples_match_direct_recomputation() -> None:
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 10, size=80) / 10.0
    labels = rng.integers(0, 2, size=80)
    samples = auroc_resamples(scores, labels, n_resamples=5, seed=11)[0]
    indices = np.random.default_rng(11).integers(0, 80, size=(5, 80))
    for value, idx in zip(samples, indices, strict=True):
        assert value == pytest.approx(roc_auc_score(labels[idx], scores[idx]), abs=1e-12)


def test_auroc_resamples_paired_rows_share_indices() -> None:
    rng = np.random.default_rng(4)
    scores = rng.random(50)
    labels = rng.integers(0, 2, size=50)
    samples = auroc_resamples(np.vstack([scores, scores]), labels, n_resamples=200, seed=1)
    np.testing.assert_array_equal(samples[0], samples[1])


def test_auroc_resamples_one_class_rows_are_nan() -> None:
    samples = auroc_resamples([0.1, 0.9], [0, 1], n_resamples=400, seed=0)[0]
    assert np.isnan(samples).any()
    assert np.isfinite(samples).any()


def test_auroc_with_ci_is_seeded_and_brackets_value() -> None:
    rng = np.random.default_rng(7)
    labels = rng.integers(0, 2, size=200)
    scores = rng.random(200) + 0.3 * labels
    first = auroc_with_ci(scores, labels, n_resamples=2000, seed=3)
    second = auroc_with_ci(scores, labels, n_resamples=2000, seed=3)
    assert first == second
    assert first.ci_low < first.value < first.ci_high
    assert first.n_positive + first.n_negative == 200
    assert first.undefined_reason == ""
    assert first.n_skipped == 0


def test_auroc_with_ci_one_class_result() -> None:
    with pytest.warns(UndefinedMetricWarning, match="no correct answers"):
        result = auroc_with_ci([0.1, 0.2], [1, 1], n_resamples=10)
    assert isinstance(result, AurocResult)
    assert math.isnan(result.value)
    assert math.isnan(result.ci_low)
    assert result.n_positive == 2
    assert result.n_negative == 0
    assert "n+=2, n-=0" in result.undefined_reason
    assert not result.is_defined


def test_auroc_with_ci_constant_scores_note() -> None:
    result = auroc_with_ci([0.5] * 20, [0, 1] * 10, n_resamples=200)
    assert result.value == 0.5
    assert result.note == "constant scores"
    assert result.undefined_reason == ""
    assert result.ci_low == result.ci_high == 0.5


def test_auroc_with_ci_too_few_valid_resamples(monkeypatch: pytest.MonkeyPatch) -> None:
    # One incorrect answer among 10: about 35 % of resamples miss it, which is
    # more than a 10 % allowance.
    # The package re-exports the function auroc, which hides the module name.
    module = importlib.import_module("homog_local.metrics.auroc")
    monkeypatch.setattr(module, "MIN_VALID_FRACTION", 0.9)
    scores = np.arange(10, dtype=float)
    labels = np.zeros(10, dtype=int)
    labels[9] = 1
    with pytest.warns(UndefinedMetricWarning, match="CI undefined: only"):
        result = auroc_with_ci(scores, labels, n_resamples=400)
    assert result.value == 1.0
    assert math.isnan(result.ci_low)
    assert math.isnan(result.ci_high)
    assert result.n_skipped > 100
    assert result.undefined_reason.startswith("CI undefined")


def test_auroc_with_ci_rejects_bad_level() -> None:
    with pytest.raises(ValueError, match=r"level must be in \(0, 1\)"):
        auroc_with_ci([0.1, 0.2], [0, 1], level=95)
