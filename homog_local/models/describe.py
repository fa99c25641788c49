"""Turning a model file into a :class:`ModelEntry`: GGUF metadata, kind and hash."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path

from homog_local.errors import ModelLoadError
from homog_local.models.entry import ModelEntry, ModelKind, ModelRole
from homog_local.models.gguf import read_gguf_header
from homog_local.models.hashing import file_sha256

__all__ = ["GgufSummary", "describe_file", "gguf_summary", "kind_from_template", "with_sha256"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GgufSummary:
    """The GGUF header fields a :class:`ModelEntry` shows; all None when unknown."""

    architecture: str | None = None
    n_params: int | None = None
    quantization: str | None = None
    has_chat_template: bool | None = None


def describe_file(
    name: str,
    role: ModelRole,
    path: Path,
    *,
    source: str,
    strict: bool,
    tokenizer_path: Path | None,
    pooling: str | None,
    chat_template: bool | None,
    kind: ModelKind | None,
    notes: str,
    install_hint: str | None,
) -> ModelEntry:
    """Describe a catalog or path model file without loading it.

    Parameters
    ----------
    name, role, source, tokenizer_path, pooling, notes, install_hint
        Copied to the entry.
    path : Path
        The model file; a missing file gives ``present=False``.
    strict : bool
        Raise on an unreadable GGUF header instead of leaving its fields None.
    chat_template : bool or None
        Override of the header's chat-template presence.
    kind : ModelKind or None
        Explicit kind; None guesses it from the chat template.

    Returns
    -------
    ModelEntry
        With ``sha256=None``; :func:`with_sha256` fills it in.

    Raises
    ------
    ModelLoadError
        ``strict`` is true and a generator file is not a readable GGUF file.
    """
    present = path.is_file()
    summary = GgufSummary()
    if present and role is ModelRole.GENERATOR:
        summary = gguf_summary(path, strict=strict)
    has_chat_template = summary.has_chat_template if chat_template is None else chat_template
    return ModelEntry(
        name=name,
        role=role,
        path=path,
        source=source,
        present=present,
        size_bytes=path.stat().st_size if present else None,
        architecture=summary.architecture,
        n_params=summary.n_params,
        quantization=summary.quantization,
        has_chat_template=has_chat_template,
        tokenizer_path=tokenizer_path,
        pooling=pooling,
        install_hint=install_hint,
        sha256=None,
        kind=kind or kind_from_template(role, has_chat_template),
        notes=notes,
    )


def with_sha256(entry: ModelEntry, verify_sha256: bool) -> ModelEntry:
    """Return the entry with ``sha256`` measured from its file (cached), when requested."""
    if not verify_sha256 or entry.path is None:
        return entry
    return dataclasses.replace(entry, sha256=file_sha256(entry.path))


def gguf_summary(path: Path | None, *, strict: bool) -> GgufSummary:
    """Read the header fields of a GGUF file (or of its first chunk).

    Parameters
    ----------
    path : Path or None
        The file; None gives an empty summary.
    strict : bool
        Raise on an unreadable header; otherwise log a warning and return an
        empty summary, so a listing still shows the other models.

    Returns
    -------
    GgufSummary

    Raises
    ------
    ModelLoadError
        ``strict`` is true and the header cannot be read.
    """
    if path is None:
        return GgufSummary()
    try:
        header = read_gguf_header(path)
    except ModelLoadError as error:
        if strict:
            raise
        log.warning("%s", error)
        return GgufSummary()
    return GgufSummary(
        architecture=header.architecture,
        n_params=header.n_params,
        quantization=header.quantization,
        has_chat_template=header.has_chat_template,
    )


def kind_from_template(role: ModelRole, has_chat_template: bool | None) -> ModelKind | None:
    """Guess base or instruct from chat-template presence; None for non-generators or unknown."""
    if role is not ModelRole.GENERATOR or has_chat_template is None:
        return None
    return ModelKind.INSTRUCT if has_chat_template else ModelKind.BASE
