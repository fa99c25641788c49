from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path

import pytest

from homog_local.cli import models_cmd
from homog_local.cli.models_cmd import format_param_count

_OTHER_COMMANDS = ["run_cmd", "runs_cmd", "db_cmd"]
_MISSING_COMMANDS = [
    name for name in _OTHER_COMMANDS if importlib.util.find_spec(f"homog_local.cli.{name}") is None
]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="homog")
    models_cmd.register(parser.add_subparsers(dest="command"))
    return parser


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    return int(args.func(args))


def test_models_list_json_smollm_present(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = _run(["models", "list", "--json", "--models-dir", str(tmp_path)])

    assert code == 0
    models = {item["name"]: item for item in json.loads(capsys.readouterr().out)}
    smollm = models["smollm2-135m-instruct"]
    assert smollm["present"] is True
    assert smollm["role"] == "generator"
    assert smollm["kind"] == "instruct"
    assert smollm["quantization"] == "Q4_1"
    assert smollm["n_params"] == 134_515_008
    assert smollm["architecture"] == "llama"
    assert smollm["path"].endswith("SmolLM2-135M-Instruct.Q4_1.gguf")
    assert models["minilm-l6-int8"]["pooling"] == "mean"


def test_models_list_json_includes_catalog(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "catalog.toml").write_text(
        '[[model]]\nname = "mine"\nrole = "generator"\nfile = "mine.gguf"\n'
    )

    assert _run(["models", "list", "--json", "--models-dir", str(tmp_path)]) == 0

    models = {item["name"]: item for item in json.loads(capsys.readouterr().out)}
    assert models["mine"]["source"] == "catalog"
    assert models["mine"]["present"] is False
    assert models["mine"]["install_hint"].startswith("copy the model file to ")


def test_models_list_table_rows(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert _run(["models", "list", "--models-dir", str(tmp_path)]) == 0

    out = capsys.readouterr().out
    smollm_row = next(line for line in out.splitlines() if "smollm2-135m-instruct" in line)
    assert "generator" in smollm_row
    assert "instruct" in smollm_row
    assert "135M" in smollm_row
    assert "Q4_1" in smollm_row
    assert "93.8" in smollm_row
    assert "yes" in smollm_row
    assert "minilm-l6-int8" in out


def test_models_requires_action(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        _parser().parse_args(["models"])

    assert info.value.code == 2
    assert "ACTION" in capsys.readouterr().err


def test_models_commands_have_help() -> None:
    parser = _parser()
    group = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    models = group.choices["models"]
    actions = next(a for a in models._actions if isinstance(a, argparse._SubParsersAction))

    assert models.description
    for name, subparser in actions.choices.items():
        assert subparser.description, name
        for option in subparser._actions:
            assert option.help, f"{name} {option.option_strings}"
    assert [choice.help for choice in actions._choices_actions] == [
        "show every known model, installed or not",
        "validate an ONNX NLI or embedding model and add it to catalog.toml",
        "convert a local Hugging Face NLI checkpoint to ONNX (needs the export extra)",
        "download an ONNX NLI model from the Hugging Face hub and add it",
    ]


@pytest.mark.skipif(
    bool(_MISSING_COMMANDS),
    reason=f"homog_local.cli.main needs the command modules {_MISSING_COMMANDS}",
)
def test_main_models_list_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from homog_local.cli.main import main

    code = main(["models", "list", "--json", "--models-dir", str(tmp_path)])

    assert code == 0
    models = {item["name"]: item for item in json.loads(capsys.readouterr().out)}
    assert models["smollm2-135m-instruct"]["present"] is True


@pytest.mark.skipif(
    bool(_MISSING_COMMANDS),
    reason=f"homog_local.cli.main needs the command modules {_MISSING_COMMANDS}",
)
def test_main_models_list_bad_catalog_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from homog_local.cli.main import main

    (tmp_path / "catalog.toml").write_text("[[model]\n")

    assert main(["models", "list", "--models-dir", str(tmp_path)]) == 2
    assert "fix the TOML syntax" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("n_params", "label"),
    [
        (None, "-"),
        (950, "950"),
        (22_700, "23K"),
        (134_515_008, "135M"),
        (268_098_176, "268M"),
        (1_543_714_304, "1.5B"),
    ],
)
def test_format_param_count_labels(n_params: int | None, label: str) -> None:
    assert format_param_count(n_params) == label
