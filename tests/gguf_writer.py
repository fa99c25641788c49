"""Writer of small GGUF files for tests: a header, tensor infos, no tensor data."""

from __future__ import annotations

import struct
from pathlib import Path

from homog_local.models.gguf import GgufValueType

_FORMATS = {
    GgufValueType.UINT8: "B",
    GgufValueType.INT8: "b",
    GgufValueType.UINT16: "H",
    GgufValueType.INT16: "h",
    GgufValueType.UINT32: "I",
    GgufValueType.INT32: "i",
    GgufValueType.FLOAT32: "f",
    GgufValueType.BOOL: "?",
    GgufValueType.UINT64: "Q",
    GgufValueType.INT64: "q",
    GgufValueType.FLOAT64: "d",
}

# A typed value: (type, value) for scalars and strings, (ARRAY, (element type, values)).
TypedValue = tuple[GgufValueType, object]


def _string(text: str, endian: str) -> bytes:
    raw = text.encode("utf-8")
    return struct.pack(endian + "Q", len(raw)) + raw


def _value(value_type: GgufValueType, value: object, endian: str) -> bytes:
    if value_type is GgufValueType.STRING:
        assert isinstance(value, str)
        return _string(value, endian)
    if value_type is GgufValueType.ARRAY:
        element_type, items = value  # type: ignore[misc]
        out = struct.pack(endian + "IQ", element_type, len(items))
        for item in items:
            out += _value(element_type, item, endian)
        return out
    return struct.pack(endian + _FORMATS[value_type], value)


def write_gguf(
    path: Path,
    metadata: dict[str, TypedValue],
    tensors: list[tuple[str, tuple[int, ...]]] = (),  # type: ignore[assignment]
    *,
    version: int = 3,
    endian: str = "<",
) -> Path:
    """Write a GGUF header with the given metadata and tensor shapes."""
    out = b"GGUF" + struct.pack(endian + "IQQ", version, len(tensors), len(metadata))
    for key, (value_type, value) in metadata.items():
        out += _string(key, endian) + struct.pack(endian + "I", value_type)
        out += _value(value_type, value, endian)
    offset = 0
    for name, shape in tensors:
        out += _string(name, endian) + struct.pack(endian + "I", len(shape))
        out += struct.pack(endian + f"{len(shape)}Q", *shape)
        out += struct.pack(endian + "IQ", 0, offset)  # F32 type, data offset
        offset += 4
    path.write_bytes(out)
    return path
