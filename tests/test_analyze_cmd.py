from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from paper_data import PAPER_DIR

from homog_local.cli import analyze_cmd

DENSITY_FILE = PAPER_DIR / "v1b_density.jsonl"


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="homog")
    subparsers = parser.add_subparsers(dest="command")
    analyze_cmd.register(subparsers)
    args = parser.parse_args(argv)
    return args.func(args)


def _toy_file(tmp_path: Path) -> Path:
    lines = []
    for i in range(40):
        label = "incorrect" if i % 3 == 0 else "correct"
        lines.append(json.dumps({"label": label, "a": (i * 7) % 11 / 10, "b": i / 40}))
    lines.append(json.dumps({"label": "no_match", "a": 0.0, "b": 0.0}))
    path = tmp_path / "scores.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_analyze_help_lists_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        _run(["analyze", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--map", "--paper-compatible", "--json", "--resamples", "--seed", "--cost"):
        assert option in out


def test_analyze_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _toy_file(tmp_path)
    code = _run(["analyze", str(path), "--map", "label=label,a=a,b=b", "--json",
                 "--resamples", "200", "--splits", "2"])  # fmt: skip
    assert code == 0
    document = json.loads(capsys.readouterr().out)
    assert document["n_questions"] == 40
    assert document["excluded"] == {"no_match": 1}
    assert [s["name"] for s in document["signals"]] == ["a", "b"]
    assert document["cascade_stages"] == ["a", "b"]


def test_analyze_table_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _toy_file(tmp_path)
    code = _run(["analyze", str(path), "--map", "label=label,a=a", "--resamples", "100"])
    assert code == 0
    out = capsys.readouterr().out
    assert "Signals (40 questions" in out
    assert "nan" not in out.lower()


def test_analyze_bad_column_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _toy_file(tmp_path)
    code = _run(["analyze", str(path), "--map", "label=label,a=missing"])
    assert code == 2
    err = capsys.readouterr().err
    assert "field 'missing': column not found; fix --map" in err


def test_analyze_bad_mapping_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = _run(["analyze", str(_toy_file(tmp_path)), "--map", "a=a"])
    assert code == 2
    assert "label=COLUMN is missing" in capsys.readouterr().err


def test_analyze_missing_file_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = _run(["analyze", "/nonexistent.jsonl", "--map", "label=label,a=a"])
    assert code == 2
    assert "file not found" in capsys.readouterr().err


def test_analyze_paper_compatible(capsys: pytest.CaptureFixture[str]) -> None:
    if not DENSITY_FILE.exists():
        pytest.skip(f"released paper data not found at {DENSITY_FILE}")
    code = _run(["analyze", str(DENSITY_FILE), "--map",
                 "label=label,b1=mean_entropy,b2=-density_binary", "--paper-compatible",
                 "--json", "--resamples", "200", "--splits", "2"])  # fmt: skip
    assert code == 0
    paper = json.loads(capsys.readouterr().out)["paper"]
    assert round(paper["cheap_auroc"], 4) == 0.5196
    assert round(paper["parallel_auroc"], 4) == 0.5323
    assert round(paper["saving"], 3) == 0.574
    assert round(paper["cheap_ci"]["ci_low"], 4) == 0.4628
