"""Importing samples generated elsewhere as a finished run."""

from __future__ import annotations

import json

import pytest

from homog_local.cli.main import main
from homog_local.errors import DatasetError
from homog_local.ingest import read_import_file
from homog_local.store import Store


def _write(path, rows) -> str:
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    return str(path)


ROWS = [
    {"question": "Capital of France?", "samples": ["Paris.", "Paris.", "Paris."],
     "greedy": "Paris.", "label": "correct", "id": "fr"},
    {"question": "Capital of Australia?",
     "samples": [{"text": "Sydney.", "log_prob": -1.0}, {"text": "Canberra.", "log_prob": -1.0}],
     "label": "incorrect"},
]


def test_import_cli_creates_finished_run(tmp_path, capsys) -> None:
    file = _write(tmp_path / "external.jsonl", ROWS)
    db = str(tmp_path / "db.sqlite")
    assert main(["import", file, "--cluster", "jaccard", "--db", db, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["methods"][0]["method"] == "jaccard@0.4"
    assert document["methods"][0]["n_single_cluster"] == 1
    store = Store(db)
    run = store.get_run(document["run_id"])
    assert (run.model_name, run.status, run.n_done) == ("imported", "finished", 2)
    assert store.clusters(run.id)["1"]["jaccard@0.4"].assignments == (0, 1)
    labels = store.labels(run.id)
    assert [(lab.judge, lab.label) for lab in labels["fr"]] == [("imported", "correct")]
    assert store.greedy_answers(run.id)["fr"].text == "Paris."
    signals = store.signals(run.id)
    assert signals["1"]["weighted_semantic_entropy:jaccard@0.4"].value == pytest.approx(0.693147,
                                                                                       abs=1e-6)
    # Samples without log_prob leave the weighted entropy out.
    assert "weighted_semantic_entropy:jaccard@0.4" not in signals["fr"]


def test_import_then_rescore(tmp_path, capsys) -> None:
    file = _write(tmp_path / "external.jsonl", ROWS)
    db = str(tmp_path / "db.sqlite")
    assert main(["import", file, "--cluster", "jaccard", "--db", db, "--json"]) == 0
    run_id = json.loads(capsys.readouterr().out)["run_id"]
    assert main(["rescore", str(run_id), "--cluster", "jaccard@0.01", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["methods"][0]["scr"] == 0.5


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"samples": ["a"]}, "missing or empty question text"),
        ({"question": "q", "samples": []}, "samples must be a non-empty list"),
        ({"question": "q", "samples": ["a"], "label": "right"}, "label 'right' is not one of"),
        ({"question": "q", "samples": [{"text": "a", "log_prob": 0.5}]}, "must be a finite"),
        ({"question": "q", "samples": ["a"], "colour": 1}, "unknown key"),
    ],
)
def test_import_rejects_bad_rows(tmp_path, row, message) -> None:
    file = _write(tmp_path / "bad.jsonl", [ROWS[0], row])
    with pytest.raises(DatasetError, match=message) as caught:
        read_import_file(tmp_path / "bad.jsonl")
    assert caught.value.line == 2
    assert file


def test_import_cli_reports_line(tmp_path, capsys) -> None:
    file = _write(tmp_path / "bad.jsonl", [{"question": "q", "samples": "a"}])
    assert main(["import", file, "--db", str(tmp_path / "db.sqlite")]) == 1
    assert "line 1, field 'samples'" in capsys.readouterr().err
