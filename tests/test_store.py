from __future__ import annotations

import sqlite3

import pytest

from homog_local.datasets import Question
from homog_local.errors import ConfigError, RunNotFoundError, SchemaError
from homog_local.store import QuestionResult, Store
from homog_local.store.migrations import MIGRATIONS
from homog_local.store.records import (
    ClusterRecord,
    LabelRecord,
    SampleRecord,
    SignalRecord,
    StageCost,
)


def _questions() -> list[Question]:
    return [
        Question("toy", "0", 0, "Q zero?", ("a",), ("b",), "cat"),
        Question("toy", "1", 1, "Q one – été?", ("東京",), (), None),
    ]


def _create(store: Store) -> int:
    return store.create_run(
        settings={"n_samples": 2}, model_name="m", model_path="/m.gguf", model_sha256="ab",
        model_kind="instruct", dataset="toy", dataset_source="toy.jsonl",
        questions=_questions(), n_skipped_rows=1, seed=3, prompt_template="Q: {question}",
        environment={"python": "3.11"},
    )


def _result(qid: str) -> QuestionResult:
    sample = SampleRecord("x", 1, "eos", -0.5, 0.2, False, 0.01, seed=7)
    return QuestionResult(
        qid=qid, prompt="p", n_prompt_tokens=3,
        greedy=SampleRecord("g", 2, "eos", -1.0, 0.4, False, 0.02, token_entropies=(0.3, 0.5),
                            max_token_entropy=0.5),
        samples=(sample, sample),
        clusters=(ClusterRecord("jaccard@0.4", "jaccard", 0.4, None, (0, 0)),),
        signals=(SignalRecord("b1_mean_token_entropy", 0.4),
                 SignalRecord("b1_max_token_entropy", None, True, "empty greedy answer")),
        labels=(LabelRecord("judge-a", "correct", 0.2, "d", True),),
        costs=(StageCost("greedy", 0.1, 2),),
        events=(("warning", "empty_answer", "1 empty"),),
    )


def test_open_applies_migrations_and_pragmas(tmp_path) -> None:
    store = Store(tmp_path / "a.sqlite")
    status = store.status()
    assert status["migrations_applied"] == [name for name, _ in MIGRATIONS]
    assert status["migrations_pending"] == []
    assert store.query("PRAGMA journal_mode")[0][0] == "wal"
    assert store.query("PRAGMA foreign_keys")[0][0] == 1


def test_reopen_is_idempotent(tmp_path) -> None:
    path = tmp_path / "a.sqlite"
    Store(path).close()
    assert Store(path).status()["migrations_applied"] == [name for name, _ in MIGRATIONS]


def test_newer_schema_rejected(tmp_path) -> None:
    path = tmp_path / "a.sqlite"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO migrations VALUES ('999_future', 'now')")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaError, match="999_future") as info:
        Store(path)
    assert info.value.unknown == ["999_future"]


def test_not_a_database_rejected(tmp_path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("hello, not sqlite" * 100, encoding="utf-8")
    with pytest.raises(ConfigError, match="not a usable SQLite database"):
        Store(path)


def test_create_and_read_run(tmp_path) -> None:
    store = Store(tmp_path / "a.sqlite")
    run_id = _create(store)
    run = store.get_run(run_id)
    assert (run.status, run.n_questions, run.n_done, run.n_skipped_rows) == ("created", 2, 0, 1)
    assert run.settings == {"n_samples": 2}
    assert [row["qid"] for row in store.pending_questions(run_id)] == ["0", "1"]
    assert store.questions(run_id)[1]["text"] == "Q one – été?"


def test_save_question_round_trip(tmp_path) -> None:
    store = Store(tmp_path / "a.sqlite")
    run_id = _create(store)
    store.save_question(run_id, _result("0"))
    assert store.get_run(run_id).n_done == 1
    assert [row["qid"] for row in store.pending_questions(run_id)] == ["1"]
    greedy = store.greedy_answers(run_id)["0"]
    assert greedy.token_entropies == (0.3, 0.5)
    assert [s.seed for s in store.samples(run_id)["0"]] == [7, 7]
    assert store.clusters(run_id)["0"]["jaccard@0.4"].assignments == (0, 0)
    signals = store.signals(run_id)["0"]
    assert signals["b1_max_token_entropy"].value is None
    assert signals["b1_max_token_entropy"].undefined_reason == "empty greedy answer"
    assert store.labels(run_id)["0"][0].label == "correct"
    assert store.costs(run_id)["0"]["greedy"] == (0.1, 2)
    assert store.events(run_id)[0]["kind"] == "empty_answer"


def test_save_question_twice_rolls_back(tmp_path) -> None:
    store = Store(tmp_path / "a.sqlite")
    run_id = _create(store)
    store.save_question(run_id, _result("0"))
    with pytest.raises(sqlite3.IntegrityError):
        store.save_question(run_id, _result("0"))
    assert len(store.samples(run_id)["0"]) == 2
    assert store.get_run(run_id).n_done == 1


def test_delete_run_cascades(tmp_path) -> None:
    store = Store(tmp_path / "a.sqlite")
    run_id = _create(store)
    store.save_question(run_id, _result("0"))
    store.delete_run(run_id)
    assert store.query("SELECT COUNT(*) FROM samples")[0][0] == 0
    with pytest.raises(RunNotFoundError, match="homog runs list"):
        store.get_run(run_id)


def test_backup_copies_rows(tmp_path) -> None:
    store = Store(tmp_path / "a.sqlite")
    run_id = _create(store)
    store.save_question(run_id, _result("0"))
    store.backup(tmp_path / "copy.sqlite")
    assert Store(tmp_path / "copy.sqlite").get_run(run_id).n_done == 1


def test_migrates_database_of_schema_002(tmp_path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    for name, migrate in MIGRATIONS[:2]:
        from homog_local.store.migrations import applied_migrations

        applied_migrations(conn)
        migrate(conn)
        conn.execute("INSERT INTO migrations VALUES (?, 'then')", (name,))
    conn.execute(
        "INSERT INTO runs (id, created_utc, updated_utc, status, settings_json, model_name,"
        " model_path, model_sha256, model_kind, dataset, dataset_source, n_questions, seed,"
        " prompt_template, environment_json) VALUES (1, 't', 't', 'finished', '{}', 'm', 'p',"
        " 's', 'instruct', 'd', 'd', 1, 0, 'P', '{}')")
    conn.execute("INSERT INTO questions (run_id, qid, position, text, references_json,"
                 " incorrect_references_json) VALUES (1, '0', 0, 'Q?', '[]', '[]')")
    conn.execute("INSERT INTO greedy_answers VALUES (1, '0', 'p', 3, 'g', 1, 'eos', '[0.5]',"
                 " 0.5, 0.5, -1.0, 0, 0.1)")
    conn.close()

    store = Store(path)
    assert store.status()["migrations_applied"] == [name for name, _ in MIGRATIONS]
    greedy = store.greedy_answers(1)["0"]
    assert greedy.token_entropies == (0.5,)
    assert greedy.token_texts == ()
