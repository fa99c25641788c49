from __future__ import annotations

import json
import sys

import pytest
from evaluation_fixtures import JACCARD, QUESTIONS, dataset_file, toy_run
from rich.console import Console

from homog_local.cli import compare_cmd
from homog_local.cli.main import main
from homog_local.store import Store

# Run b's samples are identical on purpose, which trips the sampler health check.
pytestmark = pytest.mark.filterwarnings("ignore::homog_local.errors.SamplerHealthWarning")

SAME = {q: ["same", "same"] for q, *_ in QUESTIONS}


def _compare_json(capsys, db, a: int, b: int) -> dict:
    code = main(["compare", str(a), str(b), "--db", str(db), "--json", "--resamples", "300"])
    assert code == 0
    text = capsys.readouterr().out
    assert "NaN" not in text
    return json.loads(text)


def test_compare_toy_json(tmp_path, capsys) -> None:
    db = tmp_path / "db.sqlite"
    path = dataset_file(tmp_path)
    with Store(db) as store:
        first = toy_run(store, path, with_b2=False)
        second = toy_run(store, path, samples=SAME, with_b2=False)
    document = _compare_json(capsys, db, first, second)
    assert document["n_shared"] == 6
    (row,) = document["clusterers"]
    assert row["method"] == JACCARD
    assert row["scr_a"]["value"] == pytest.approx(4 / 6)
    assert row["scr_b"]["value"] == 1.0
    assert row["difference"]["value"] == pytest.approx(-1 / 3)
    assert row["difference"]["ci_high"] <= 0
    assert row["mcnemar"]["p_value"] == 0.5
    assert row["wilcoxon"]["n"] == 2
    b1 = document["b1"]
    assert b1["same_labels"] is True
    assert b1["difference"]["value"] == 0.0
    # Equal greedy answers: no discordant question, so McNemar is null with a reason.
    assert b1["mcnemar"]["p_value"] is None
    assert b1["mcnemar"]["undefined_reason"] == "no discordant questions (n=6)"


def test_compare_toy_text(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(compare_cmd, "stdout_console",
                        lambda: Console(file=sys.stdout, width=100, soft_wrap=False))
    db = tmp_path / "db.sqlite"
    path = dataset_file(tmp_path)
    with Store(db) as store:
        first = toy_run(store, path, with_b2=False)
        second = toy_run(store, path, samples=SAME, with_b2=False)
    assert main(["compare", str(first), str(second), "--db", str(db), "--resamples", "300"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "-33.3 pp" in out
    assert "same labels in both runs" in out
    assert "decode differently" not in out


def test_compare_warns_when_decoding_differs(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(compare_cmd, "stdout_console",
                        lambda: Console(file=sys.stdout, width=100, soft_wrap=False))
    db = tmp_path / "db.sqlite"
    path = dataset_file(tmp_path)
    with Store(db) as store:
        first = toy_run(store, path, with_b2=False)
        second = toy_run(store, path, with_b2=False,
                         extra_settings={"decode": "sequential", "flash_attn": True})
    assert main(["compare", str(first), str(second), "--db", str(db), "--resamples", "300"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert ("warning: the runs decode differently (decode: batched vs sequential; flash_attn: "
            "False vs True), which shifts token entropies slightly; compare B1 with care") in out
    document = _compare_json(capsys, db, first, second)
    assert document["decoding_differences"] == ["decode: batched vs sequential",
                                                "flash_attn: False vs True"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"n_samples": 3}, "compare runs made with the same --samples"),
        ({"other_dataset": True}, "compare two runs of the same dataset"),
        ({"execute": False}, "the runs share no finished questions"),
    ],
)
def test_compare_rejects_incomparable(tmp_path, capsys, change, message) -> None:
    db = tmp_path / "db.sqlite"
    with Store(db) as store:
        first = toy_run(store, dataset_file(tmp_path), with_b2=False)
        path = dataset_file(tmp_path, "other") if change.pop("other_dataset", False) \
            else dataset_file(tmp_path)
        second = toy_run(store, path, with_b2=False, **change)
    code = main(["compare", str(first), str(second), "--db", str(db)])
    assert code == 2
    assert message in capsys.readouterr().err


def test_compare_real_sampler_presets(tmp_path, capsys) -> None:
    db = str(tmp_path / "db.sqlite")
    common = ["--limit", "3", "--samples", "3", "--max-tokens", "12", "--db", db]
    assert main(["run", *common, "--sampler", "ollama"]) in (0, 3)
    assert main(["run", *common, "--sampler", "pure"]) in (0, 3)
    capsys.readouterr()
    document = _compare_json(capsys, db, 1, 2)
    assert document["n_shared"] == 3
    assert document["run_a"]["settings"]["sampler"] == "ollama"
    assert document["run_b"]["settings"]["sampler"] == "pure"
    methods = {row["method"] for row in document["clusterers"]}
    assert "jaccard@0.4" in methods
    for row in document["clusterers"]:
        assert row["n"] == 3
        assert 0.0 <= row["scr_a"]["value"] <= 1.0
    # The greedy answer ignores the sampler, so both runs share B1 and labels.
    b1 = document["b1"]
    if b1 is not None:
        assert b1["same_labels"] is True
        assert b1["difference"]["value"] in (0.0, None)
    else:
        assert document["b1_reason"]
