from __future__ import annotations

import argparse
import json
import sqlite3

import pytest

from homog_local.cli.main import build_parser, main


def _walk(parser: argparse.ArgumentParser, path: str = "homog"):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _walk(sub, f"{path} {name}")


def test_every_command_and_option_has_help() -> None:
    missing = []
    for path, parser in _walk(build_parser()):
        assert parser.description or path == "homog", f"{path} has no description"
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    if not choice.help:
                        missing.append(f"{path} {choice.dest}")
            elif not action.help:
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []


def test_help_exits_zero(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["run", "--help"])
    assert info.value.code == 0
    assert "--samples" in capsys.readouterr().out


def test_unknown_option_is_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["run", "--sample", "3"])
    assert info.value.code == 2
    assert "unrecognized arguments" in capsys.readouterr().err


def test_out_of_range_value_exit_2(capsys) -> None:
    assert main(["run", "--samples", "0"]) == 2
    assert "--samples: 0; use an integer from 1 to 200" in capsys.readouterr().err


def test_unknown_dataset_exit_2_and_no_run(tmp_path, capsys) -> None:
    db = tmp_path / "d.sqlite"
    assert main(["run", "--dataset", "truthfulqa2", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "truthfulqa2" in err
    assert "truthfulqa-790" in err
    assert main(["runs", "list", "--json", "--db", str(db)]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_unknown_model_exit_2(tmp_path, capsys) -> None:
    assert main(["run", "--model", "gpt-9", "--db", str(tmp_path / "d.sqlite")]) == 2
    assert "known generator models: smollm2-135m-instruct" in capsys.readouterr().err


def test_corrupt_model_file_exit_2(tmp_path, capsys) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"\x00" * 128)
    assert main(["run", "--model", str(bad), "--db", str(tmp_path / "d.sqlite")]) == 2
    assert "broken.gguf" in capsys.readouterr().err


def test_newer_database_exit_1(tmp_path, capsys) -> None:
    db = tmp_path / "d.sqlite"
    assert main(["runs", "list", "--db", str(db)]) == 0
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO migrations VALUES ('999_future', 'now')")
    conn.commit()
    conn.close()
    assert main(["runs", "list", "--db", str(db)]) == 1
    assert "upgrade homog-local" in capsys.readouterr().err


def test_run_not_found_exit_1(tmp_path, capsys) -> None:
    assert main(["runs", "show", "42", "--db", str(tmp_path / "d.sqlite")]) == 1
    assert "run 42 not found" in capsys.readouterr().err


def test_run_json_document(tmp_path, capsys) -> None:
    db = tmp_path / "d.sqlite"
    code = main(["run", "--limit", "2", "--samples", "3", "--max-tokens", "16",
                 "--resamples", "200", "--db", str(db), "--json"])
    assert code == 0
    document = json.loads(capsys.readouterr().out)
    assert document["run_id"] == 1
    assert document["status"] == "finished"
    assert document["n_done"] == 2
    assert [row["method"] for row in document["scr"]] == [
        "embedding:minilm-l6-int8@0.85", "jaccard@0.4"]
    assert {row["subset"] for row in document["auroc"]} == {
        "all", "single-cluster:embedding:minilm-l6-int8@0.85", "single-cluster:jaccard@0.4"}
    assert document["settings"]["sampler_params"]["top_k"] == 40

    assert main(["runs", "show", "1", "--json", "--resamples", "200", "--db", str(db)]) == 0
    assert json.loads(capsys.readouterr().out)["n_done"] == 2
    assert main(["runs", "list", "--db", str(db)]) == 0
    assert "smollm2-135m-instruct" in capsys.readouterr().out


def test_runs_delete_needs_yes(tmp_path, capsys) -> None:
    db = tmp_path / "d.sqlite"
    assert main(["run", "--limit", "1", "--samples", "2", "--max-tokens", "8",
                 "--resamples", "200", "--db", str(db), "--json"]) == 0
    capsys.readouterr()
    assert main(["runs", "delete", "1", "--db", str(db)]) == 2
    assert "add --yes" in capsys.readouterr().err
    assert main(["runs", "delete", "1", "--yes", "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["runs", "list", "--json", "--db", str(db)]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_db_commands(tmp_path, capsys) -> None:
    db = tmp_path / "d.sqlite"
    assert main(["db", "path", "--db", str(db)]) == 0
    assert capsys.readouterr().out.strip() == str(db)
    assert main(["db", "status", "--db", str(db)]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["migrations_pending"] == []
    assert main(["db", "backup", str(tmp_path / "b.sqlite"), "--db", str(db)]) == 0
    assert (tmp_path / "b.sqlite").exists()
    assert main(["db", "backup", str(tmp_path / "b.sqlite"), "--db", str(db)]) == 2
