from __future__ import annotations

import json

import numpy as np
import pytest
from evaluation_fixtures import counting_clock, dataset_file, fake_loader, toy_run
from helpers import FakeBackend, FakeEmbedder, write_jsonl

from homog_local.density import (
    B2_SIGNAL,
    STAGE_DENSITY,
    LoadedEmbedder,
    dataset_embeddings,
    ensure_density_signal,
    knn_mean_similarity,
    load_run_dataset,
)
from homog_local.dirs import cache_dir
from homog_local.embed import load_embedder
from homog_local.runner import RunEngine
from homog_local.settings import ClusterKind, ClusterSpec, resolve_settings
from homog_local.store import Store

FIFTEEN = [
    "What is the capital of France?",
    "What is the capital of Germany?",
    "What is the capital of Italy?",
    "Who wrote Hamlet?",
    "Who wrote Macbeth?",
    "Who painted the Mona Lisa?",
    "How many legs does a spider have?",
    "How many legs does an insect have?",
    "What happens if you swallow gum?",
    "What happens if you crack your knuckles?",
    "Why is the sky blue?",
    "Is coffee bad for your heart?",
    "Can you see the Great Wall of China from space?",
    "What is the boiling point of water at sea level?",
    "Which planet is closest to the sun?",
]


def test_knn_hand_case() -> None:
    reference = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0]])
    values = knn_mean_similarity(reference, reference, 2, [0, 1, 2, 3])
    # Row 0: the duplicate row 3 (1.0) and row 2 (cos 45° = 0.7071) are nearest.
    assert values[0] == pytest.approx((1 + 2**-0.5) / 2)
    assert values[1] == pytest.approx((2**-0.5 + 0) / 2)
    assert values[2] == pytest.approx(2**-0.5)


def test_knn_fewer_rows_than_k() -> None:
    values = knn_mean_similarity([[1.0, 0.0], [3.0, 4.0]], [[1.0, 0.0], [0.0, 2.0]], 10, [0, -1])
    assert values[0] == pytest.approx(0.0)
    assert values[1] == pytest.approx((0.6 + 0.8) / 2)
    assert np.isnan(knn_mean_similarity([[1.0, 0.0]], [[1.0, 0.0]], 3, [0])[0])


def test_knn_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="k must be >= 1"):
        knn_mean_similarity([[1.0]], [[1.0]], 0)
    with pytest.raises(ValueError, match="embed both with the same model"):
        knn_mean_similarity([[1.0, 0.0]], [[1.0, 0.0, 0.0]], 1)


def test_density_fake_values_and_costs(tmp_path) -> None:
    store = Store(tmp_path / "db.sqlite")
    run_id = toy_run(store, dataset_file(tmp_path))
    signals = store.signals(run_id)
    values = [signals[q][B2_SIGNAL].value for q in ("0", "1", "2", "3", "4", "5")]
    assert values == pytest.approx([-0.4, 0.0, -0.4, 0.0, -0.4, 0.0])
    costs = store.costs(run_id)
    # The counting clock advances 1 s between the start and the end of each question.
    assert all(costs[q][STAGE_DENSITY] == (1.0, 0) for q in costs)
    again = ensure_density_signal(store, run_id, embedder_loader=fake_loader)
    assert again.n_computed == 0


def test_density_text_changed_is_undefined(tmp_path) -> None:
    store = Store(tmp_path / "db.sqlite")
    path = dataset_file(tmp_path)
    run_id = toy_run(store, path, with_b2=False)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = json.dumps({"question": "A new question", "answers": ["x"]})
    write_jsonl(path, lines)
    outcome = ensure_density_signal(store, run_id, embedder_loader=fake_loader,
                                    clock=counting_clock())
    assert (outcome.n_computed, outcome.n_undefined) == (6, 1)
    record = store.signals(run_id)["2"][B2_SIGNAL]
    assert record.value is None
    assert record.undefined_reason == "question text differs from the dataset file"


def test_dataset_embeddings_cached(tmp_path) -> None:
    questions = load_run_dataset(_run_record(tmp_path)).questions
    loaded = LoadedEmbedder(FakeEmbedder(), "fake-cache-test")
    first, _ = dataset_embeddings("toy", questions, loaded)
    second, hit = dataset_embeddings("toy", questions, loaded)
    assert hit
    assert np.array_equal(first, second)
    assert list((cache_dir() / "density").glob("toy-*.npz"))


def _run_record(tmp_path):
    store = Store(":memory:")
    run_id = toy_run(store, dataset_file(tmp_path), execute=False)
    return store.get_run(run_id)


# FakeBackend answers every question alike, which trips the sampler health check.
@pytest.mark.filterwarnings("ignore::homog_local.errors.SamplerHealthWarning")
def test_density_minilm_matches_brute_force(tmp_path) -> None:
    rows = [json.dumps({"question": q, "answers": ["x"]}) for q in FIFTEEN]
    path = write_jsonl(tmp_path / "fifteen.jsonl", rows)
    store = Store(tmp_path / "db.sqlite")
    engine = RunEngine(store, backend_factory=lambda e, s: FakeBackend({}),
                       embedder_factory=lambda name: FakeEmbedder())
    # The run covers 5 questions; the neighbours come from all 15.
    settings = resolve_settings({"dataset": str(path), "n_samples": 2, "limit": 5,
                                 "clusterers": (ClusterSpec(ClusterKind.JACCARD, 0.4),)})
    run_id = engine.create(settings)
    engine.execute(run_id)
    outcome = ensure_density_signal(store, run_id)
    assert (outcome.n_computed, outcome.n_dataset, outcome.k) == (5, 15, 10)

    vectors = load_embedder("minilm-l6-int8").embed(FIFTEEN).astype(np.float64)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    similarities = vectors @ vectors.T
    signals = store.signals(run_id)
    costs = store.costs(run_id)
    for i in range(5):
        others = np.delete(similarities[i], i)
        expected = -np.sort(others)[-10:].mean()
        assert signals[str(i)][B2_SIGNAL].value == pytest.approx(expected, abs=1e-4)
        assert costs[str(i)][STAGE_DENSITY][0] > 0
