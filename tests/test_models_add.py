"""Adding user models: validation, catalog entries, and pulling from a local file server."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading

import pytest
from nli_fixtures import build_nli_folder

from homog_local.cli.main import main
from homog_local.embed import load_embedder
from homog_local.errors import ModelLoadError
from homog_local.models import ModelRole, resolve_model
from homog_local.models.catalog import read_catalog
from homog_local.nli.hub import pull_nli_model


def test_add_registers_nli_model(tmp_path, capsys) -> None:
    build_nli_folder(tmp_path / "my-nli")
    models = tmp_path / "models"
    argv = ["models", "add", str(tmp_path / "my-nli"), "--models-dir", str(models), "--json"]
    assert main(argv) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["name"] == "my-nli"
    assert document["inputs"] == ["input_ids", "attention_mask", "token_type_ids"]
    assert document["labels"] == ["entailment", "neutral", "contradiction"]
    entry = resolve_model("my-nli", ModelRole.NLI, models_dir=models)
    assert entry.path == (tmp_path / "my-nli" / "model.onnx").resolve()
    assert entry.tokenizer_path == (tmp_path / "my-nli" / "tokenizer.json").resolve()


def test_add_rejects_invalid_model_and_keeps_catalog(tmp_path, capsys) -> None:
    build_nli_folder(tmp_path / "broken", n_outputs=2)
    models = tmp_path / "models"
    assert main(["models", "add", str(tmp_path / "broken"), "--models-dir", str(models)]) == 1
    assert "3-way logits" in capsys.readouterr().err
    assert read_catalog(models) == []


def test_add_rejects_model_without_labels(tmp_path) -> None:
    from homog_local.nli.register import register_onnx_model

    build_nli_folder(tmp_path / "nolabels", config=False)
    with pytest.raises(ModelLoadError, match="no label order found"):
        register_onnx_model(tmp_path / "nolabels", models_dir=tmp_path / "models")


def test_add_rejects_taken_name(tmp_path, capsys) -> None:
    build_nli_folder(tmp_path / "a")
    models = tmp_path / "models"
    assert main(["models", "add", str(tmp_path / "a"), "--name", "x", "--models-dir",
                 str(models)]) == 0
    assert main(["models", "add", str(tmp_path / "a"), "--name", "x", "--models-dir",
                 str(models)]) == 2
    assert "the name is taken" in capsys.readouterr().err


def test_add_embedder_with_cls_pooling(tmp_path, monkeypatch) -> None:
    shipped = resolve_model("paraphrase-minilm-l3", ModelRole.EMBEDDER)
    models = tmp_path / "models"
    assert main(["models", "add", str(shipped.path), "--role", "embedder", "--name", "l3-cls",
                 "--pooling", "cls", "--tokenizer", str(shipped.tokenizer_path),
                 "--models-dir", str(models)]) == 0
    assert read_catalog(models)[0].pooling == "cls"
    monkeypatch.setenv("HOMOG_MODELS_DIR", str(models))
    assert load_embedder("l3-cls").pooling == "cls"


@pytest.fixture
def file_server(tmp_path):
    """Serve tmp_path/hub over HTTP on 127.0.0.1 with the hub's resolve/ layout."""
    root = tmp_path / "hub"
    files = root / "owner" / "tiny-nli" / "resolve" / "main"
    build_nli_folder(tmp_path / "source")
    (files / "onnx").mkdir(parents=True)
    shutil.copy(tmp_path / "source" / "model.onnx", files / "onnx" / "model.onnx")
    shutil.copy(tmp_path / "source" / "tokenizer.json", files / "tokenizer.json")
    shutil.copy(tmp_path / "source" / "config.json", files / "config.json")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_pull_from_endpoint(file_server, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HF_ENDPOINT", file_server)
    models = tmp_path / "models"
    model = pull_nli_model("owner/tiny-nli", models_dir=models)
    assert model.name == "tiny-nli"
    assert (models / "owner__tiny-nli" / "model.onnx").is_file()
    assert resolve_model("tiny-nli", ModelRole.NLI, models_dir=models).sha256 is not None


def test_pull_cli_missing_repository(file_server, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("HF_ENDPOINT", file_server)
    argv = ["models", "pull", "owner/absent", "--models-dir", str(tmp_path / "models")]
    assert main(argv) == 1
    assert "no ONNX file at onnx/model.onnx or model.onnx" in capsys.readouterr().err
