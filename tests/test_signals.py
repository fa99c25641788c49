from __future__ import annotations

import math

import pytest

from homog_local.signals import (
    B1_MAX,
    B1_MEAN,
    cluster_signal_names,
    compute_signals,
    describe_signal,
)
from homog_local.store.records import ClusterRecord, SampleRecord


def _greedy(entropies: tuple[float, ...]) -> SampleRecord:
    return SampleRecord("text" if entropies else "", len(entropies), "eos", -1.0, None,
                        not entropies, 0.0, token_entropies=entropies)


def test_compute_signals_values() -> None:
    clusters = [ClusterRecord("jaccard@0.4", "jaccard", 0.4, None, (0, 0, 1, 2))]
    signals = {s.name: s for s in compute_signals(_greedy((0.2, 0.4, 0.9)), clusters)}
    assert signals[B1_MEAN].value == pytest.approx(0.5)
    assert signals[B1_MAX].value == pytest.approx(0.9)
    assert signals["n_clusters:jaccard@0.4"].value == 3.0
    expected = -(0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25))
    assert signals["semantic_entropy:jaccard@0.4"].value == pytest.approx(expected)


def test_compute_signals_single_cluster_zero_entropy() -> None:
    clusters = [ClusterRecord("m", "jaccard", 0.4, None, (0, 0, 0))]
    signals = {s.name: s for s in compute_signals(_greedy((1.0,)), clusters)}
    assert signals["semantic_entropy:m"].value == 0.0
    assert signals["n_clusters:m"].value == 1.0


def test_compute_signals_empty_greedy_undefined() -> None:
    signals = {s.name: s for s in compute_signals(_greedy(()), [])}
    assert signals[B1_MEAN].value is None
    assert signals[B1_MEAN].undefined_reason == "empty greedy answer"


def test_every_signal_is_an_uncertainty() -> None:
    clusters = [ClusterRecord("m", "jaccard", 0.4, None, (0, 1))]
    for signal in compute_signals(_greedy((0.1,)), clusters):
        assert signal.higher_is_uncertain
        assert describe_signal(signal.name).higher_is_uncertain


def test_describe_signal_stages() -> None:
    assert describe_signal(B1_MEAN).stages == ("greedy",)
    count, _ = cluster_signal_names("jaccard@0.4")
    assert describe_signal(count).stages == ("sampling", "cluster:jaccard@0.4")
