from __future__ import annotations

import threading

import pytest
from helpers import FakeBackend, FakeEmbedder, write_jsonl

from homog_local.errors import DatasetError, ModelLoadError, SamplerHealthWarning
from homog_local.runner import RunEngine
from homog_local.settings import ClusterKind, ClusterSpec, resolve_settings
from homog_local.store import Store


def _engine(store: Store, backend: FakeBackend) -> RunEngine:
    return RunEngine(store, backend_factory=lambda entry, settings: backend,
                     embedder_factory=lambda name: FakeEmbedder())


def _dataset(tmp_path) -> str:
    rows = [
        '{"question": "Capital of France?", "answers": ["Paris"]}',
        '{"question": "Capital of Spain?", "answers": ["Madrid"]}',
        '{"question": "Largest planet?", "answers": ["Jupiter"]}',
        'not json',
    ]
    return str(write_jsonl(tmp_path / "toy.jsonl", rows))


SCRIPT = {
    "Capital of France?": ("Paris.", ["Paris is the capital.", "Paris is the capital."]),
    "Capital of Spain?": ("Barcelona.", ["Madrid is the capital.", "Barcelona, I think."]),
    "Largest planet?": ("Jupiter.", ["Jupiter.", "Jupiter."]),
}


def test_run_stores_every_question(tmp_path) -> None:
    store = Store(tmp_path / "db.sqlite")
    backend = FakeBackend(SCRIPT)
    engine = _engine(store, backend)
    settings = resolve_settings({"dataset": _dataset(tmp_path), "n_samples": 4, "limit": 0})
    run_id = engine.create(settings)
    outcome = engine.execute(run_id)

    assert (outcome.status, outcome.n_done_now, outcome.n_empty_answers) == ("finished", 3, 0)
    assert backend.closed
    run = store.get_run(run_id)
    assert (run.status, run.n_done, run.n_skipped_rows) == ("finished", 3, 1)
    clusters = store.clusters(run_id)
    assert clusters["0"]["jaccard@0.4"].assignments == (0, 0, 0, 0)
    assert clusters["1"]["jaccard@0.4"].assignments == (0, 1, 0, 1)
    signals = store.signals(run_id)
    assert signals["1"]["n_clusters:jaccard@0.4"].value == 2.0
    assert signals["1"]["semantic_entropy:jaccard@0.4"].value == pytest.approx(0.693147, abs=1e-6)
    labels = store.labels(run_id)
    assert [lab.label for lab in labels["0"]] == ["correct"]
    assert [lab.label for lab in labels["1"]] == ["incorrect"]
    assert store.events(run_id)[0]["kind"] == "skipped_row"
    stages = set(store.costs(run_id)["0"])
    assert stages == {"greedy", "sampling", "cluster:jaccard@0.4",
                      "cluster:embedding:minilm-l6-int8@0.85", "judge"}


def test_run_progress_reports_scr(tmp_path) -> None:
    store = Store(tmp_path / "db.sqlite")
    engine = _engine(store, FakeBackend(SCRIPT))
    settings = resolve_settings({"dataset": _dataset(tmp_path), "n_samples": 2,
                                 "clusterers": (ClusterSpec(ClusterKind.JACCARD, 0.4),)})
    events = []
    engine.execute(engine.create(settings), on_progress=events.append)
    assert [e.n_done for e in events] == [1, 2, 3]
    assert events[-1].scr == {"jaccard@0.4": pytest.approx(2 / 3)}
    assert events[-1].mean_clusters == {"jaccard@0.4": pytest.approx(4 / 3)}


def test_cancel_then_resume_completes(tmp_path) -> None:
    store = Store(tmp_path / "db.sqlite")
    cancel = threading.Event()
    engine = _engine(store, FakeBackend(SCRIPT))
    settings = resolve_settings({"dataset": _dataset(tmp_path), "n_samples": 2,
                                 "group_size": 2})
    run_id = engine.create(settings)

    def stop_after_first(event) -> None:
        cancel.set()

    # The first group (two questions) is stored whole before the cancel is seen.
    outcome = engine.execute(run_id, on_progress=stop_after_first, cancel=cancel)
    assert (outcome.status, outcome.n_done_now) == ("interrupted", 2)
    assert store.get_run(run_id).status == "interrupted"

    outcome = engine.execute(run_id)
    assert (outcome.status, outcome.n_done_now) == ("finished", 1)
    assert store.query("SELECT COUNT(*) FROM samples WHERE run_id = ?", (run_id,))[0][0] == 6


def test_empty_answers_kept_and_flagged(tmp_path) -> None:
    store = Store(tmp_path / "db.sqlite")
    backend = FakeBackend({}, default=("", ["", "Paris."]))
    engine = _engine(store, backend)
    run_id = engine.create(resolve_settings({"dataset": _dataset(tmp_path), "n_samples": 2}))
    outcome = engine.execute(run_id)
    assert outcome.n_empty_answers == 6
    signals = store.signals(run_id)["0"]
    assert signals["b1_mean_token_entropy"].value is None
    assert signals["b1_mean_token_entropy"].undefined_reason == "empty greedy answer"
    assert store.labels(run_id)["0"][0].detail == "empty answer"


def test_identical_samples_warn(tmp_path) -> None:
    store = Store(tmp_path / "db.sqlite")
    engine = _engine(store, FakeBackend({}, default=("Paris.", ["Same text."])))
    run_id = engine.create(resolve_settings({"dataset": _dataset(tmp_path), "n_samples": 3}))
    with pytest.warns(SamplerHealthWarning, match="sampling looks broken"):
        engine.execute(run_id)
    kinds = [row["kind"] for row in store.events(run_id)]
    assert "sampler_health" in kinds


def test_create_rejects_bad_inputs(tmp_path) -> None:
    store = Store(tmp_path / "db.sqlite")
    engine = _engine(store, FakeBackend(SCRIPT))
    with pytest.raises(DatasetError, match="is not a builtin dataset"):
        engine.create(resolve_settings({"dataset": "truthfulqa-typo"}))
    with pytest.raises(ModelLoadError, match="unknown generator model"):
        engine.create(resolve_settings({"model": "llama-9000"}))
    assert store.list_runs() == []


def test_real_run_on_default_model(tmp_path) -> None:
    """Real llama.cpp, real MiniLM and real judges on two TruthfulQA questions."""
    store = Store(tmp_path / "db.sqlite")
    engine = RunEngine(store)
    settings = resolve_settings({"limit": 2, "n_samples": 3, "max_tokens": 24})
    run_id = engine.create(settings)
    outcome = engine.execute(run_id)
    assert outcome.status == "finished"
    greedy = store.greedy_answers(run_id)
    assert greedy["0"].text.startswith("A: If you eat watermelon seeds")
    assert greedy["0"].n_tokens == len(greedy["0"].token_entropies)
    samples = store.samples(run_id)
    assert [len(samples[q]) for q in ("0", "1")] == [3, 3]
    labels = store.labels(run_id)
    assert [lab.judge for lab in labels["0"]] == ["embedding-similarity", "content-overlap"]
    run = store.get_run(run_id)
    assert run.model_kind == "instruct"
    assert len(run.model_sha256) == 64
    assert run.environment["packages"]["llama-cpp-python"] is not None


def test_group_is_stored_as_one_unit(tmp_path, monkeypatch) -> None:
    from homog_local.runner import question_loop

    store = Store(tmp_path / "db.sqlite")
    engine = _engine(store, FakeBackend(SCRIPT))
    run_id = engine.create(resolve_settings({"dataset": _dataset(tmp_path), "n_samples": 2,
                                             "group_size": 3}))
    calls = []
    real = question_loop.save_cluster_stats

    def fail_on_second(*args, **kwargs) -> None:
        calls.append(args[2])
        if len(calls) == 2:
            raise OSError("disk full")
        real(*args, **kwargs)

    monkeypatch.setattr(question_loop, "save_cluster_stats", fail_on_second)
    with pytest.raises(OSError, match="disk full"):
        engine.execute(run_id)
    # The first question of the group was written, then rolled back with the rest.
    assert len(calls) == 2
    assert store.query("SELECT COUNT(*) FROM greedy_answers")[0][0] == 0
    assert store.query("SELECT COUNT(*) FROM questions WHERE done_utc IS NOT NULL")[0][0] == 0
    assert store.get_run(run_id).status == "failed"

    monkeypatch.setattr(question_loop, "save_cluster_stats", real)
    outcome = engine.execute(run_id)
    assert (outcome.status, outcome.n_done_now) == ("finished", 3)
