from __future__ import annotations

import json
import math

import pytest
from helpers import FakeBackend, FakeEmbedder, write_jsonl

from homog_local.report import summarize_run, summary_to_json
from homog_local.runner import RunEngine
from homog_local.settings import ClusterKind, ClusterSpec, resolve_settings
from homog_local.store import Store

# Greedy answers: word count sets B1 (FakeBackend's entropies grow with length),
# samples set the clusters; the alias judge labels by the reference.
QUESTIONS = [
    ("q0", "Paris", "Paris.", ["same words here", "same words here"]),
    ("q1", "Rome", "Milan is big and old.", ["a b c", "x y z"]),
    ("q2", "Oslo", "Oslo.", ["one two", "one two"]),
    ("q3", "Lima", "Quito is far away indeed.", ["one two", "one two"]),
]


def _store(tmp_path) -> tuple[Store, int]:
    rows = [json.dumps({"question": q, "answers": [ref]}) for q, ref, _, _ in QUESTIONS]
    path = write_jsonl(tmp_path / "toy.jsonl", rows)
    script = {q: (greedy, samples) for q, _, greedy, samples in QUESTIONS}
    store = Store(tmp_path / "db.sqlite")
    engine = RunEngine(store, backend_factory=lambda e, s: FakeBackend(script),
                       embedder_factory=lambda name: FakeEmbedder())
    settings = resolve_settings({"dataset": str(path), "n_samples": 2,
                                 "clusterers": (ClusterSpec(ClusterKind.JACCARD, 0.4),)})
    run_id = engine.create(settings)
    engine.execute(run_id)
    return store, run_id


def test_summary_values(tmp_path) -> None:
    store, run_id = _store(tmp_path)
    summary = summarize_run(store, run_id, n_resamples=500)
    assert (summary.n_correct, summary.n_incorrect, summary.n_ambiguous) == (2, 2, 0)
    (scr,) = summary.scr
    assert scr.method == "jaccard@0.4"
    assert (scr.scr.n_true, scr.scr.n) == (3, 4)
    assert scr.scr.value == pytest.approx(0.75)
    assert scr.mean_clusters == pytest.approx(1.25)
    rows = {(r.signal, r.subset): r for r in summary.signals}
    # Incorrect answers are the two long ones, so B1 ranks them perfectly.
    assert rows[("b1_mean_token_entropy", "all")].auroc.value == 1.0
    # Two clusters only for q1 (incorrect): AUROC = (1 + 0.5) / 2 = 0.75.
    assert rows[("n_clusters:jaccard@0.4", "all")].auroc.value == pytest.approx(0.75)
    single = rows[("n_clusters:jaccard@0.4", "single-cluster:jaccard@0.4")].auroc
    assert single.value == 0.5
    assert single.note == "constant scores"
    assert (single.n_positive, single.n_negative) == (1, 2)
    assert rows[("b1_mean_token_entropy", "single-cluster:jaccard@0.4")].auroc.value == 1.0


def test_summary_json_has_no_nan(tmp_path) -> None:
    store, run_id = _store(tmp_path)
    document = summary_to_json(summarize_run(store, run_id, n_resamples=200))
    text = json.dumps(document, allow_nan=False)
    assert "NaN" not in text
    # Both groups have identical B1 values, so the pooled SD is 0: null with a reason.
    assert document["b1_cohens_d"]["value"] is None
    assert "pooled" in document["b1_cohens_d"]["undefined_reason"]
    assert math.isclose(document["scr"][0]["scr"], 0.75)
