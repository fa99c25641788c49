from __future__ import annotations

import math

import numpy as np
import pytest
from evaluation_fixtures import JACCARD, QUESTIONS, dataset_file, toy_run

from homog_local.errors import ConfigError
from homog_local.evaluation import (
    SignalTier,
    build_cascade_report,
    build_run_report,
    compare_runs,
    default_stages,
    load_run_data,
    paired_auroc_difference_two_labels,
    plan_stages,
    score_table,
    signal_cost,
    signal_stages,
    signal_tier,
)
from homog_local.metrics import paired_auroc_difference
from homog_local.store import Store

B1 = "b1_mean_token_entropy"
B2 = "b2_density_uncertainty"
SE = f"semantic_entropy:{JACCARD}"
NC = f"n_clusters:{JACCARD}"


@pytest.fixture
def toy(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    run_id = toy_run(store, dataset_file(tmp_path))
    return store, run_id


def test_load_run_data_arrays(toy) -> None:
    store, run_id = toy
    data = load_run_data(store, run_id)
    assert data.qids == ("0", "1", "2", "3", "4", "5")
    assert data.labels == ("correct", "incorrect") * 3
    assert data.signals[B1] == pytest.approx([0.5, 0.7, 0.5, 0.7, 0.6, 0.55])
    assert data.signals[B2] == pytest.approx([-0.4, 0, -0.4, 0, -0.4, 0])
    assert data.cluster_counts[JACCARD].tolist() == [1, 2, 1, 1, 1, 2]
    assert data.stage_costs["sampling"].mean_s == 2.0
    assert data.stage_costs["density"].mean_s == 1.0
    # B1 signals first, then B2, then the sampling signals.
    assert list(data.signals)[:3] == ["b1_max_token_entropy", B1, B2]


def test_signal_tiers_and_stages() -> None:
    assert signal_tier(B1) is SignalTier.GREEDY
    assert signal_tier(B2) is SignalTier.DENSITY
    assert signal_tier(SE) is SignalTier.SAMPLING
    assert signal_tier("semantic_entropy:nli:deberta:entail:greedy") is SignalTier.NLI
    assert signal_stages(B2) == ("density",)
    assert signal_stages(SE) == ("sampling", f"cluster:{JACCARD}")
    known = ("sampling", "cluster:embedding:minilm@0.85")
    assert signal_stages("eigv_uncertainty:embedding:minilm", known) == known


def test_signal_cost_sums_stages(toy) -> None:
    store, run_id = toy
    data = load_run_data(store, run_id)
    assert signal_cost(SE, data.stage_costs) == (pytest.approx(2.01), 40.0, ())
    assert signal_cost(B1, data.stage_costs) == (0.5, 10.0, ())
    del data.stage_costs["density"]
    assert signal_cost(B2, data.stage_costs) == (0.0, 0.0, ("density",))


def test_score_table_excludes_unlabelled(toy) -> None:
    store, run_id = toy
    data = load_run_data(store, run_id)
    table = score_table(data, [B1, SE], rows=np.array([True] * 5 + [False]))
    assert table.qids == ("0", "1", "2", "3", "4")
    assert table.is_incorrect.tolist() == [0, 1, 0, 1, 0]
    assert table.costs[SE] == pytest.approx(2.01)


def test_run_report_values(toy) -> None:
    store, run_id = toy
    report = build_run_report(load_run_data(store, run_id), n_resamples=300)
    rows = {row.metrics.name: row for row in report.signals}
    # B1: positives 0.7, 0.7, 0.55 against 0.5, 0.5, 0.6 win 8 of 9 pairs.
    assert rows[B1].metrics.auroc.value == pytest.approx(8 / 9)
    # Cluster counts 2, 1, 2 against 1, 1, 1: 6 wins and 3 ties of 9 pairs.
    assert rows[NC].metrics.auroc.value == pytest.approx(7.5 / 9)
    assert rows[B2].metrics.auroc.value == 1.0
    assert rows[B2].metrics.prr.value == 1.0
    # Risk after keeping 1..6 answers: 0, 0, 0, 1/4, 2/5, 3/6.
    assert rows[B2].metrics.prr.aurc == pytest.approx((0.25 + 0.4 + 0.5) / 6)
    # The three lowest B1 values are q0, q2 (correct) and q5 (incorrect).
    assert rows[B1].accuracy_at_50 == pytest.approx(2 / 3)
    assert rows[B1].stages == ("greedy",)
    assert (rows[SE].mean_s, rows[SE].mean_tokens) == (pytest.approx(2.01), 40.0)
    (scr,) = report.scr
    assert (scr.scr.n_true, scr.scr.n) == (4, 6)
    assert scr.mean_clusters == pytest.approx(8 / 6)


def test_run_report_single_cluster_contrast(toy) -> None:
    store, run_id = toy
    report = build_run_report(load_run_data(store, run_id), n_resamples=300)
    rows = {row.signal: row for row in report.single_cluster}
    # Subset q0, q2, q3, q4: only q3 is incorrect and has the highest B1.
    assert rows[B1].auroc.value == 1.0
    assert (rows[B1].auroc.n_positive, rows[B1].auroc.n_negative) == (1, 3)
    assert not rows[B1].by_construction
    for name in (NC, SE, f"weighted_semantic_entropy:{JACCARD}"):
        assert rows[name].auroc.value == 0.5
        assert rows[name].by_construction


def test_cascade_report_values(toy) -> None:
    store, run_id = toy
    data = load_run_data(store, run_id)
    assert default_stages(data) == [B1, B2, SE]
    report = build_cascade_report(data, [SE, B1, B2], n_splits=4)
    assert [s.signal for s in report.stages] == [B1, B2, SE]
    assert [s.marginal_s for s in report.stages] == [0.0, 1.0, pytest.approx(2.01)]
    assert report.stages[-1].cumulative_s == pytest.approx(3.01)
    first, second = report.pairs
    grid = first.grid
    assert (grid.cheap_auroc, grid.costly_auroc, grid.parallel.auroc) == (
        pytest.approx(8 / 9), 1.0, 1.0)
    band = grid.matched_for(grid.matched[0][0])
    # The band of width 0 around the median (normalised B1 0.5) escalates q4 only.
    assert band.parameter == 0.0
    assert band.escalation_rate == pytest.approx(1 / 6)
    assert first.cost_vs_all(band) == pytest.approx((1 / 6) / 3.01)
    threshold = grid.matched[1][1]
    assert threshold.escalation_rate == 0.5
    # Pair 2 always runs B1 and B2 (1 s) and escalates half the questions to 2.01 s.
    matched = second.grid.matched_for(second.grid.matched[0][0])
    assert matched.relative_cost == pytest.approx((1 + 0.5 * 2.01) / 3.01)
    coverage = dict(report.coverage)
    assert coverage[B2][5].coverage == 0.5
    assert coverage[B2][5].accuracy == 1.0
    assert coverage[B1][5].accuracy == pytest.approx(2 / 3)
    assert f"cascade {B1} \u2192 {B2}" in coverage
    assert first.held_out.n_splits == 4


def test_plan_stages_rejects_unknown(toy) -> None:
    store, run_id = toy
    data = load_run_data(store, run_id)
    with pytest.raises(ConfigError, match="use stored signals of run 1"):
        plan_stages(data, [B1, "semantic_entropy:nope"])
    with pytest.raises(ConfigError, match="give at least two different signals"):
        plan_stages(data, [B1, B1])


# Identical samples are the point of run b, so the sampler health warning is expected.
@pytest.mark.filterwarnings("ignore::homog_local.errors.SamplerHealthWarning")
def test_compare_runs_values(tmp_path) -> None:
    store = Store(tmp_path / "db.sqlite")
    path = dataset_file(tmp_path)
    first = toy_run(store, path)
    same = {q: ["same", "same"] for q, *_ in QUESTIONS}
    second = toy_run(store, path, samples=same)
    result = compare_runs(load_run_data(store, first), load_run_data(store, second),
                          n_resamples=500)
    (row,) = result.clusterers
    assert (row.scr_a.n_true, row.scr_b.n_true, row.n) == (4, 6, 6)
    assert row.difference.value == pytest.approx(-1 / 3)
    # Only run b is single-cluster on q1 and q5: 2 discordant, none for run a.
    assert (row.mcnemar.statistic, row.mcnemar.n, row.mcnemar.p_value) == (0, 2, 0.5)
    assert (row.wilcoxon.n, row.wilcoxon.statistic) == (2, 0.0)
    assert result.b1.same_labels
    assert result.b1.difference.value == 0.0
    assert result.b1.accuracy_a == 0.5
    assert math.isnan(result.b1.mcnemar.p_value)


def test_paired_difference_two_labels_matches_shared() -> None:
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 40)
    a, b = rng.normal(size=40) + labels, rng.normal(size=40)
    general = paired_auroc_difference_two_labels(a, labels, b, labels, n_resamples=400, seed=1)
    shared = paired_auroc_difference(a, b, labels, n_resamples=400, seed=1)
    assert general.value == pytest.approx(shared.value)
    # Different draws, same sampling distribution: the CIs agree to about 0.1.
    assert general.ci_low == pytest.approx(shared.ci_low, abs=0.1)
    one_class = paired_auroc_difference_two_labels(a, labels, b, np.zeros(40, int))
    assert "run b needs both classes" in one_class.undefined_reason
