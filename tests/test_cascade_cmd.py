from __future__ import annotations

import json
import sys

import pytest
from evaluation_fixtures import JACCARD, dataset_file, toy_run
from rich.console import Console

from homog_local.cli import cascade_cmd
from homog_local.cli.main import main
from homog_local.store import Store

B1 = "b1_mean_token_entropy"
B2 = "b2_density_uncertainty"
SE = f"semantic_entropy:{JACCARD}"


@pytest.fixture
def toy_db(tmp_path):
    db = tmp_path / "db.sqlite"
    with Store(db) as store:
        run_id = toy_run(store, dataset_file(tmp_path))
    return str(db), run_id


def test_parse_stages_aliases() -> None:
    assert cascade_cmd.parse_stages("b1, B2,semantic_entropy:x,") == [B1, B2, "semantic_entropy:x"]


def test_cascade_json_values(toy_db, capsys) -> None:
    db, run_id = toy_db
    code = main(["cascade", str(run_id), "--db", db, "--json", "--splits", "3",
                 "--stages", f"{SE},b2,b1"])
    assert code == 0
    text = capsys.readouterr().out
    assert "NaN" not in text
    document = json.loads(text)
    assert [s["signal"] for s in document["stages"]] == [B1, B2, SE]
    assert document["cost_unit"] == "seconds"
    first, second = document["pairs"]
    assert (first["cheap"], first["costly"]) == (B1, B2)
    assert (first["cost_cheap"], first["cost_costly"]) == (0.0, 1.0)
    assert first["in_sample"] is True
    band, threshold = (setting for _, setting in first["grid"]["matched"])
    assert band["escalation_rate"] == pytest.approx(1 / 6)
    assert threshold["escalation_rate"] == 0.5
    assert first["matched_cost_vs_all"]["median_band"] == pytest.approx((1 / 6) / 3.01)
    assert second["cost_total"] == pytest.approx(3.01)
    assert first["held_out"]["n_splits"] == 3
    correlations = {(c["a"], c["b"]) for c in document["correlations"]}
    assert correlations == {(B1, B2), (B1, SE), (B2, SE)}
    coverage = dict((name, rows) for name, rows in document["coverage"])
    assert coverage[B2][5]["accuracy"] == 1.0


def test_cascade_default_stages_and_rule(toy_db, capsys, monkeypatch) -> None:
    monkeypatch.setattr(cascade_cmd, "stdout_console",
                        lambda: Console(file=sys.stdout, width=100, soft_wrap=False))
    db, run_id = toy_db
    assert main(["cascade", str(run_id), "--db", db, "--splits", "3", "--rule", "threshold"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "threshold (in-sample): param 0.30, escalation 50.0%" in out
    assert "median_band (in-sample)" not in out
    assert "median_band (held out, 3 splits" in out
    assert "Accuracy of the most certain answers" in out


def test_cascade_rejects_unknown_stage(toy_db, capsys) -> None:
    db, run_id = toy_db
    assert main(["cascade", str(run_id), "--db", db, "--stages", "b1,semantic_entropy:x"]) == 2
    assert "use stored signals of run 1" in capsys.readouterr().err
    assert main(["cascade", str(run_id), "--db", db, "--splits", "0"]) == 2
    assert "--splits" in capsys.readouterr().err


def test_cascade_explicit_b2_requires_dataset(tmp_path, capsys) -> None:
    db = tmp_path / "db.sqlite"
    path = dataset_file(tmp_path)
    with Store(db) as store:
        run_id = toy_run(store, path, with_b2=False)
    path.unlink()
    assert main(["cascade", str(run_id), "--db", str(db), "--stages", "b1,b2"]) == 1
    assert "is not a builtin dataset or an existing file" in capsys.readouterr().err
    # Without --stages, B2 is left out and the cascade runs on the other stages.
    assert main(["cascade", str(run_id), "--db", str(db), "--json", "--splits", "2"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [s["signal"] for s in document["stages"]] == [B1, SE]
    assert document["b2"]["error"]
