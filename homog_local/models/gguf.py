"""Reader of GGUF file headers: metadata and tensor shapes, without the weights.

A GGUF file (versions 2 and 3) starts with the magic ``b"GGUF"``, a ``uint32``
version, a ``uint64`` tensor count and a ``uint64`` metadata count. The
metadata key/value pairs follow, then one info record per tensor (name, shape,
type, offset), and finally the tensor data. This module reads up to the end of the tensor
infos and never touches the data, so describing a model costs milliseconds.
"""

from __future__ import annotations

import logging
import math
import mmap
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path

from homog_local.errors import ModelLoadError

__all__ = [
    "GGUF_MAGIC",
    "GgufHeader",
    "GgufValueType",
    "SkippedArray",
    "quantization_name",
    "read_gguf_header",
]

log = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"
_SUPPORTED_VERSIONS = (2, 3)


class GgufValueType(IntEnum):
    """Type codes of GGUF metadata values."""

    UINT8 = 0
    INT8 = 1
    UINT16 = 2
    INT16 = 3
    UINT32 = 4
    INT32 = 5
    FLOAT32 = 6
    BOOL = 7
    STRING = 8
    ARRAY = 9
    UINT64 = 10
    INT64 = 11
    FLOAT64 = 12


# struct format characters of the fixed-size value types.
_SCALAR_FORMATS: dict[GgufValueType, str] = {
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

# llama.cpp's `enum llama_ftype` (include/llama.h of llama-cpp-python 0.3.36), stored in
# `general.file_type`. Values 4-6 and 33-35 were removed from llama.cpp.
_FILE_TYPE_NAMES: dict[int, str] = {
    0: "F32",
    1: "F16",
    2: "Q4_0",
    3: "Q4_1",
    7: "Q8_0",
    8: "Q5_0",
    9: "Q5_1",
    10: "Q2_K",
    11: "Q3_K_S",
    12: "Q3_K_M",
    13: "Q3_K_L",
    14: "Q4_K_S",
    15: "Q4_K_M",
    16: "Q5_K_S",
    17: "Q5_K_M",
    18: "Q6_K",
    19: "IQ2_XXS",
    20: "IQ2_XS",
    21: "Q2_K_S",
    22: "IQ3_XS",
    23: "IQ3_XXS",
    24: "IQ1_S",
    25: "IQ4_NL",
    26: "IQ3_S",
    27: "IQ3_M",
    28: "IQ2_S",
    29: "IQ2_M",
    30: "IQ4_XS",
    31: "IQ1_M",
    32: "BF16",
    36: "TQ1_0",
    37: "TQ2_0",
    38: "MXFP4_MOE",
    39: "NVFP4",
    40: "Q1_0",
    41: "Q2_0",
}


@dataclass(frozen=True)
class SkippedArray:
    """Placeholder for a metadata array longer than the reader keeps (a vocabulary).

    Parameters
    ----------
    element_type : GgufValueType
        Type of the array elements.
    count : int
        Number of elements in the file.
    """

    element_type: GgufValueType
    count: int


@dataclass(frozen=True)
class GgufHeader:
    """Metadata and tensor summary of one GGUF file.

    Parameters
    ----------
    path : Path
        The file that was read.
    version : int
        GGUF format version (2 or 3).
    n_tensors : int
        Number of tensors declared in the header.
    metadata : Mapping of str to object
        Metadata values by key. Arrays longer than the reader's limit are
        :class:`SkippedArray` placeholders.
    n_params : int or None
        Sum of the element counts of all tensors, or None when tensor infos
        were not read.
    """

    path: Path
    version: int
    n_tensors: int
    metadata: Mapping[str, object] = field(repr=False)
    n_params: int | None

    @property
    def architecture(self) -> str | None:
        """Model architecture (``general.architecture``), such as ``"llama"``."""
        return _str_or_none(self.metadata.get("general.architecture"))

    @property
    def name(self) -> str | None:
        """Model name stored by the converter (``general.name``)."""
        return _str_or_none(self.metadata.get("general.name"))

    @property
    def size_label(self) -> str | None:
        """Size label stored by the converter (``general.size_label``), such as ``"135M"``."""
        return _str_or_none(self.metadata.get("general.size_label"))

    @property
    def file_type(self) -> int | None:
        """llama.cpp file type code (``general.file_type``)."""
        value = self.metadata.get("general.file_type")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def quantization(self) -> str | None:
        """Quantization name of the file type, such as ``"Q4_K_M"``."""
        return quantization_name(self.file_type)

    @property
    def chat_template(self) -> str | None:
        """Jinja chat template (``tokenizer.chat_template``), or None when absent."""
        return _str_or_none(self.metadata.get("tokenizer.chat_template")) or None

    @property
    def has_chat_template(self) -> bool:
        """Whether the file ships a non-empty chat template."""
        return self.chat_template is not None


def quantization_name(file_type: int | None) -> str | None:
    """Map a llama.cpp ``general.file_type`` code to its quantization name.

    Parameters
    ----------
    file_type : int or None
        The code stored in the GGUF metadata.

    Returns
    -------
    str or None
        The name (``"Q4_1"``, ``"Q4_K_M"``...), ``"ftype-<code>"`` for a code
        this table does not know, or None when ``file_type`` is None.

    Examples
    --------
    >>> quantization_name(15)
    'Q4_K_M'
    """
    if file_type is None:
        return None
    return _FILE_TYPE_NAMES.get(file_type, f"ftype-{file_type}")


def read_gguf_header(
    path: Path | str, *, read_tensor_infos: bool = True, max_array_items: int = 1024
) -> GgufHeader:
    """Read the metadata (and optionally the tensor shapes) of a GGUF file.

    Parameters
    ----------
    path : Path or str
        The ``.gguf`` file.
    read_tensor_infos : bool, default True
        Also read the tensor info records that follow the metadata to count
        parameters. They are small, so this stays cheap.
    max_array_items : int, default 1024
        Arrays with more elements (vocabularies, merges, token scores) are
        skipped without building them and stored as :class:`SkippedArray`.

    Returns
    -------
    GgufHeader

    Raises
    ------
    ModelLoadError
        The file is missing, is not a GGUF file (wrong magic bytes), has an
        unsupported version, or ends before the header does.

    Notes
    -----
    Big-endian GGUF files are detected from the version field and read too.
    GGUF version 1 (32-bit counts) is rejected: llama.cpp dropped it as well.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            size = path.stat().st_size
            if size < 24:
                head = handle.read(4)
                raise ModelLoadError(path, _not_gguf_reason(head, size))
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as buffer:
                return _parse(path, buffer, read_tensor_infos, max_array_items)
    except OSError as error:
        raise ModelLoadError(path, f"cannot read the file: {error}") from error


def _not_gguf_reason(head: bytes, size: int) -> str:
    return (
        f"not a GGUF file (magic bytes {head!r}, expected {GGUF_MAGIC!r}; file size {size} bytes); "
        "pass a .gguf file or reinstall the model package"
    )


def _parse(path: Path, buffer: mmap.mmap, read_tensor_infos: bool, max_items: int) -> GgufHeader:
    magic = buffer[:4]
    if magic != GGUF_MAGIC:
        raise ModelLoadError(path, _not_gguf_reason(magic, len(buffer)))
    (version,) = struct.unpack_from("<I", buffer, 4)
    endian = "<"
    if version not in _SUPPORTED_VERSIONS:
        (swapped,) = struct.unpack_from(">I", buffer, 4)
        if swapped not in _SUPPORTED_VERSIONS:
            raise ModelLoadError(
                path,
                f"unsupported GGUF version {version} (supported: 2, 3); "
                "convert the model with a recent llama.cpp",
            )
        version, endian = swapped, ">"
    cursor = _Cursor(path, buffer, endian, offset=8)
    n_tensors = cursor.scalar("Q")
    n_metadata = cursor.scalar("Q")

    metadata: dict[str, object] = {}
    for _ in range(n_metadata):
        key = cursor.string()
        value_type = cursor.value_type()
        metadata[key] = cursor.value(value_type, max_items)

    n_params: int | None = None
    if read_tensor_infos:
        n_params = 0
        for _ in range(n_tensors):
            cursor.skip_string()
            n_dims = cursor.scalar("I")
            dims = [cursor.scalar("Q") for _ in range(n_dims)]
            cursor.skip(4 + 8)  # ggml type (uint32) and data offset (uint64)
            n_params += math.prod(dims)
    log.debug("read GGUF header of %s: %d keys, %d tensors", path, len(metadata), n_tensors)
    return GgufHeader(
        path=path, version=version, n_tensors=n_tensors, metadata=metadata, n_params=n_params
    )


class _Cursor:
    """Bounds-checked reader over a memory-mapped file."""

    def __init__(self, path: Path, buffer: mmap.mmap, endian: str, offset: int) -> None:
        self.path = path
        self.buffer = buffer
        self.endian = endian
        self.offset = offset
        self.size = len(buffer)

    def _truncated(self, needed: int) -> ModelLoadError:
        return ModelLoadError(
            self.path,
            f"truncated GGUF header: {needed} bytes needed at offset {self.offset} "
            f"but the file has {self.size} bytes; download or reinstall the model again",
        )

    def skip(self, n_bytes: int) -> None:
        if self.offset + n_bytes > self.size:
            raise self._truncated(n_bytes)
        self.offset += n_bytes

    def scalar(self, fmt: str) -> int:
        width = struct.calcsize(fmt)
        if self.offset + width > self.size:
            raise self._truncated(width)
        (value,) = struct.unpack_from(self.endian + fmt, self.buffer, self.offset)
        self.offset += width
        return value  # type: ignore[no-any-return]

    def value_type(self) -> GgufValueType:
        code = self.scalar("I")
        try:
            return GgufValueType(code)
        except ValueError:
            raise ModelLoadError(
                self.path,
                f"corrupt GGUF header: unknown metadata value type {code} at offset "
                f"{self.offset - 4}; download or reinstall the model again",
            ) from None

    def string(self) -> str:
        length = self.scalar("Q")
        if self.offset + length > self.size:
            raise self._truncated(length)
        raw = self.buffer[self.offset : self.offset + length]
        self.offset += length
        return raw.decode("utf-8", errors="replace")

    def skip_string(self) -> None:
        self.skip(self.scalar("Q"))

    def value(self, value_type: GgufValueType, max_items: int) -> object:
        if value_type is GgufValueType.STRING:
            return self.string()
        if value_type is GgufValueType.ARRAY:
            return self.array(max_items)
        fmt = _SCALAR_FORMATS[value_type]
        width = struct.calcsize(fmt)
        if self.offset + width > self.size:
            raise self._truncated(width)
        (scalar,) = struct.unpack_from(self.endian + fmt, self.buffer, self.offset)
        self.offset += width
        return scalar

    def array(self, max_items: int) -> object:
        element_type = self.value_type()
        count = self.scalar("Q")
        if count <= max_items:
            return [self.value(element_type, max_items) for _ in range(count)]
        # Skip without building: fixed-size elements in one jump, strings one
        # length prefix at a time, nested arrays recursively.
        if element_type in _SCALAR_FORMATS:
            self.skip(count * struct.calcsize(_SCALAR_FORMATS[element_type]))
        elif element_type is GgufValueType.STRING:
            for _ in range(count):
                self.skip_string()
        else:
            for _ in range(count):
                self.array(0)
        return SkippedArray(element_type=element_type, count=count)


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None
