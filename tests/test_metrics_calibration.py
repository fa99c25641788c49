from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from homog_local.errors import UndefinedMetricWarning
from homog_local.metrics.calibration import (
    brier_score,
    calibrated_error,
    expected_calibration_error,
    fit_platt,
    stratified_split,
)


def test_ece_hand_worked() -> None:
    # Bin [0.2, 0.3): p = 0.2, 0.2, labels 0, 1 -> gap |0.5 - 0.2| * 2/4.
    # Bin [0.9, 1.0]: p = 0.9, 1.0, labels 1, 1 -> gap |1 - 0.95| * 2/4.
    value = expected_calibration_error([0.2, 0.2, 0.9, 1.0], [0, 1, 1, 1])
    assert value == pytest.approx(0.3 * 0.5 + 0.05 * 0.5)


def test_ece_rejects_probabilities_outside_unit() -> None:
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        expected_calibration_error([1.5], [1])


def test_brier_hand_worked() -> None:
    assert brier_score([0.0, 1.0, 0.5], [0, 0, 1]) == pytest.approx((0 + 1 + 0.25) / 3)


def test_fit_platt_recovers_logistic_parameters() -> None:
    rng = np.random.default_rng(0)
    scores = rng.normal(size=20_000)
    labels = (rng.random(20_000) < special.expit(2.0 * scores - 0.5)).astype(int)
    model = fit_platt(scores, labels)
    assert model.slope == pytest.approx(2.0, abs=0.1)
    assert model.intercept == pytest.approx(-0.5, abs=0.1)


def test_fit_platt_one_class_raises() -> None:
    with pytest.raises(ValueError, match="needs both classes"):
        fit_platt([0.1, 0.2], [1, 1])


def test_stratified_split_keeps_class_shares() -> None:
    labels = np.array([1] * 40 + [0] * 60)
    fit_idx, eval_idx = stratified_split(labels, 0.5, seed=1)
    assert labels[fit_idx].sum() == 20
    assert len(fit_idx) == 50
    assert set(fit_idx).isdisjoint(eval_idx)
    assert len(fit_idx) + len(eval_idx) == 100


def test_calibrated_error_well_calibrated_is_small() -> None:
    rng = np.random.default_rng(3)
    scores = rng.normal(size=4000)
    labels = (rng.random(4000) < special.expit(scores)).astype(int)
    result = calibrated_error(scores, labels, seed=0)
    assert result.ece < 0.05
    assert result.n_calibration == 2000
    assert result.model is not None


def test_calibrated_error_undefined_when_one_class() -> None:
    with pytest.warns(UndefinedMetricWarning, match="calibration split needs both classes"):
        result = calibrated_error([0.1, 0.2, 0.3, 0.4], [0, 0, 0, 0])
    assert math.isnan(result.ece)
    assert math.isnan(result.brier)
    assert result.model is None
