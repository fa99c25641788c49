from __future__ import annotations

import json
import math

import numpy as np
import pytest
from paper_data import PAPER_DIR

from homog_local.cascade.grid import cascade_grid
from homog_local.cascade.heldout import held_out_cascade
from homog_local.cascade.paper import paper_cascade_report
from homog_local.cascade.rules import (
    MinMaxNormalizer,
    RuleKind,
    cascade_scores,
    median_band_rule,
    relative_cost,
    threshold_rule,
)
from homog_local.errors import UndefinedMetricWarning

DENSITY_FILE = PAPER_DIR / "v1b_density.jsonl"


def _paper_rows() -> list[dict]:
    if not DENSITY_FILE.exists():
        pytest.skip(f"released paper data not found at {DENSITY_FILE}")
    return [json.loads(line) for line in DENSITY_FILE.read_text().splitlines()]


def _paper_inputs(column: str) -> tuple[list[float], list[float], list[int]]:
    rows = _paper_rows()
    labels = [1 if r["label"] == "incorrect" else 0 for r in rows]
    return [r["mean_entropy"] for r in rows], [-r[column] for r in rows], labels


def test_minmax_normalizer_maps_fit_range() -> None:
    normalizer = MinMaxNormalizer.fit([2.0, 4.0, 6.0])
    np.testing.assert_allclose(normalizer.transform([2.0, 5.0, 8.0]), [0.0, 0.75, 1.5])
    assert MinMaxNormalizer.fit([3.0, 3.0]).transform([3.0, 9.0]).tolist() == [0.0, 0.0]


def test_median_band_rule_upper_median() -> None:
    rule = median_band_rule(0.1, [0.0, 0.2, 0.4, 0.9])
    assert rule.center == 0.4
    assert rule.escalate([0.29, 0.35, 0.5, 0.51]).tolist() == [False, True, True, False]


def test_threshold_rule_escalates_high_scores() -> None:
    assert threshold_rule(0.5).escalate([0.2, 0.5, 0.9]).tolist() == [False, True, True]


def test_cascade_scores_combines_only_escalated() -> None:
    scores = cascade_scores([0.2, 0.4], [1.0, np.nan], [True, False], weight=0.25)
    np.testing.assert_allclose(scores, [0.25 * 0.2 + 0.75 * 1.0, 0.4])


def test_relative_cost_with_and_without_cheap_cost() -> None:
    assert relative_cost(0.4, 0.0, 1.0) == 0.4
    assert relative_cost(0.5, 1.0, 3.0) == pytest.approx((1 + 1.5) / 4)
    with pytest.raises(ValueError, match="stage costs must be >= 0"):
        relative_cost(0.5, 0.0, 0.0)


def test_cascade_grid_synthetic_saving() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=400)
    cheap = rng.normal(size=400) + 0.8 * labels
    costly = rng.normal(size=400) + 0.8 * labels
    grid = cascade_grid(cheap, costly, labels)
    assert grid.parallel.auroc > grid.cheap_auroc
    band = grid.matched_for(RuleKind.MEDIAN_BAND)
    assert band is not None
    assert band.auroc >= 0.99 * grid.parallel.auroc
    assert band.relative_cost == band.escalation_rate
    # Both stages depend on the label, so they correlate weakly and positively.
    assert 0.0 < grid.spearman.value < 0.5
    assert len(grid.settings) == 26 + 21


def test_cascade_grid_one_class_undefined() -> None:
    with pytest.warns(UndefinedMetricWarning, match="cascade grid is undefined"):
        grid = cascade_grid([0.1, 0.2, 0.3], [0.3, 0.1, 0.2], [0, 0, 0])
    assert math.isnan(grid.parallel.auroc)
    assert grid.settings == ()
    assert "n+=0, n-=3" in grid.undefined_reason


def test_held_out_cascade_reports_spread() -> None:
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, size=300)
    cheap = rng.normal(size=300) + labels
    costly = rng.normal(size=300) + labels
    summary = held_out_cascade(cheap, costly, labels, n_splits=5, seed=3)
    stat = summary.stats["cascade_auroc"]
    assert stat.n_defined == 5
    assert 0.6 < stat.mean < 0.9
    assert stat.std > 0
    assert summary.stats["saving"].mean == pytest.approx(1 - summary.stats["escalation_rate"].mean)


def test_held_out_cascade_no_valid_split_undefined() -> None:
    with pytest.warns(UndefinedMetricWarning, match="no split had both classes"):
        summary = held_out_cascade([0.1, 0.2, 0.3], [0.3, 0.2, 0.1], [1, 0, 0], n_splits=2)
    assert math.isnan(summary.stats["cascade_auroc"].mean)


def test_paper_report_reproduces_published_figures() -> None:
    report = paper_cascade_report(*_paper_inputs("density_binary"))
    assert (report.n_positive, report.n_negative) == (196, 205)
    assert round(report.cheap_auroc, 4) == 0.5196
    assert (round(report.cheap_ci.ci_low, 4), round(report.cheap_ci.ci_high, 4)) == (
        0.4628,
        0.5754,
    )
    assert round(report.parallel_auroc, 4) == 0.5323
    assert round(report.weight, 2) == 0.65
    assert (round(report.parallel_ci.ci_low, 4), round(report.parallel_ci.ci_high, 4)) == (
        0.4771,
        0.5871,
    )
    assert report.matched is not None
    assert round(report.matched.delta, 2) == 0.10
    assert round(report.matched.escalation_rate, 3) == 0.426
    assert round(report.saving, 3) == 0.574
    assert round(report.best.delta, 2) == 0.20
    assert round(report.best.auroc, 4) == 0.5382
    assert (round(report.best_ci.ci_low, 4), round(report.best_ci.ci_high, 4)) == (
        0.4843,
        0.5945,
    )


def test_paper_report_frontier_matches_published_table() -> None:
    report = paper_cascade_report(*_paper_inputs("density_binary"))
    published = [0.5184, 0.5208, 0.5155, 0.5194, 0.5269, 0.5298, 0.5328, 0.5353, 0.5381]
    assert [round(row.auroc, 4) for row in report.frontier[:9]] == published
    assert [round(100 * row.escalation_rate, 1) for row in report.frontier[:3]] == [0.2, 9.0, 18.0]


def test_paper_report_flags_tied_weight() -> None:
    report = paper_cascade_report(*_paper_inputs("density_binary"))
    assert [round(w, 2) for w, _ in report.near_tie_weights] == [0.60]
    tie_auroc = report.near_tie_weights[0][1]
    assert abs(tie_auroc - report.parallel_auroc) < 1e-14
    weight, row = report.alternatives[0]
    assert row is not None
    assert round(row.delta, 2) == 0.08
    assert round(1 - row.escalation_rate, 3) == 0.623
    assert report.fragile


def test_paper_report_density_all_does_not_reproduce() -> None:
    report = paper_cascade_report(*_paper_inputs("density_all"))
    assert round(report.parallel_auroc, 4) == 0.5344
    assert not report.near_tie_weights


def test_cascade_grid_flags_paper_near_tie() -> None:
    cheap, costly, labels = _paper_inputs("density_binary")
    grid = cascade_grid(cheap, costly, labels)
    # Exact midrank AUROCs tie at 0.60 and 0.65, so the first (0.60) is kept.
    assert round(grid.parallel.weight, 2) == 0.60
    assert [round(w, 2) for w in grid.parallel.near_ties] == [0.65]
    assert grid.fragile
    assert "w=0.65 gives delta=0.10 (saving 57.4%)" in grid.fragility_note
