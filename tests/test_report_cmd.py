from __future__ import annotations

import json
import sys

import pytest
from evaluation_fixtures import JACCARD, QUESTIONS, dataset_file, toy_run
from rich.console import Console

from homog_local.cli import report_cmd
from homog_local.cli.main import main
from homog_local.store import Store

B1 = "b1_mean_token_entropy"
B2 = "b2_density_uncertainty"


@pytest.fixture
def toy_db(tmp_path):
    db = tmp_path / "db.sqlite"
    with Store(db) as store:
        run_id = toy_run(store, dataset_file(tmp_path))
    return str(db), run_id


def _report_json(capsys, db: str, run_id: int, *extra: str) -> dict:
    code = main(["report", str(run_id), "--db", db, "--json", "--resamples", "200", *extra])
    assert code == 0
    text = capsys.readouterr().out
    assert "NaN" not in text
    return json.loads(text)


def test_report_json_values(toy_db, capsys) -> None:
    document = _report_json(capsys, *toy_db)
    rows = {row["metrics"]["name"]: row for row in document["signals"]}
    assert rows[B1]["metrics"]["auroc"]["value"] == pytest.approx(8 / 9)
    assert rows[B2]["metrics"]["auroc"]["value"] == 1.0
    assert rows[B1]["accuracy_at_50"] == pytest.approx(2 / 3)
    assert rows[f"semantic_entropy:{JACCARD}"]["mean_s"] == pytest.approx(2.01)
    (scr,) = document["scr"]
    assert scr["scr"]["n_true"] == 4
    single = {row["signal"]: row for row in document["single_cluster"]}
    assert single[f"n_clusters:{JACCARD}"]["note"].startswith("0.5 by construction")
    assert single[B1]["auroc"]["value"] == 1.0
    assert document["label_counts"] == {"correct": 3, "incorrect": 3}


def test_report_undefined_is_null_with_reason(tmp_path, capsys) -> None:
    db = tmp_path / "db.sqlite"
    right = {q: ref + "." for q, ref, _, _ in QUESTIONS}
    with Store(db) as store:
        run_id = toy_run(store, dataset_file(tmp_path), greedy=right)
    document = _report_json(capsys, str(db), run_id)
    auroc = document["signals"][0]["metrics"]["auroc"]
    assert auroc["value"] is None
    assert auroc["undefined_reason"]
    assert (auroc["n_positive"], auroc["n_negative"]) == (0, 6)

    assert main(["report", str(run_id), "--db", str(db), "--resamples", "200"]) == 0
    assert "undefined (n+=0, n\u2212=6)" in capsys.readouterr().out


def test_report_computes_missing_b2(tmp_path, capsys) -> None:
    db = tmp_path / "db.sqlite"
    with Store(db) as store:
        run_id = toy_run(store, dataset_file(tmp_path), with_b2=False)
    document = _report_json(capsys, str(db), run_id)
    assert document["b2"]["outcome"]["n_computed"] == 6
    assert B2 in {row["metrics"]["name"] for row in document["signals"]}
    assert main(["report", str(run_id), "--db", str(db), "--json", "--resamples", "50"]) == 0
    assert json.loads(capsys.readouterr().out)["b2"]["outcome"]["n_computed"] == 0


def test_report_missing_dataset_leaves_b2_out(tmp_path, capsys) -> None:
    db = tmp_path / "db.sqlite"
    path = dataset_file(tmp_path)
    with Store(db) as store:
        run_id = toy_run(store, path, with_b2=False)
    path.unlink()
    assert main(["report", str(run_id), "--db", str(db), "--resamples", "50"]) == 0
    captured = capsys.readouterr()
    assert "B2 left out" in captured.out
    assert "is not a builtin dataset or an existing file" in captured.err


def test_report_text_fits_100_columns(toy_db, capsys, monkeypatch) -> None:
    monkeypatch.setattr(report_cmd, "stdout_console",
                        lambda: Console(file=sys.stdout, width=100, soft_wrap=False))
    db, run_id = toy_db
    assert main(["report", str(run_id), "--db", db, "--resamples", "200"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "0.5 by construction (constant here)" in out
    assert "Single-cluster rate" in out


def test_report_rejects_bad_options(toy_db, capsys) -> None:
    db, run_id = toy_db
    assert main(["report", "99", "--db", db]) == 1
    assert "99" in capsys.readouterr().err
    assert main(["report", str(run_id), "--db", db, "--resamples", "0"]) == 2
    assert "--resamples" in capsys.readouterr().err
