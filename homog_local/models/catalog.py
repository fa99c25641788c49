"""The user's model folder and its ``catalog.toml``.

Each ``[[model]]`` table names one file in the folder::

    [[model]]
    name = "qwen2.5-1.5b-instruct"
    role = "generator"            # "generator", "embedder" or "nli"
    file = "qwen2.5-1.5b-instruct-q4_k_m.gguf"
    kind = "instruct"             # optional: "base" or "instruct"
    chat_template = true          # optional: overrides the GGUF's own
    tokenizer = "tokenizer.json"  # ONNX models only
    pooling = "mean"              # embedders only: "mean", "cls" or "pooled"
    notes = "free text"

Relative paths are relative to the folder that contains ``catalog.toml``.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path

from homog_local.errors import ConfigError
from homog_local.models.entry import ModelKind, ModelRole

__all__ = ["CATALOG_NAME", "POOLING_CHOICES", "CatalogModel", "read_catalog"]

log = logging.getLogger(__name__)

CATALOG_NAME = "catalog.toml"
POOLING_CHOICES = ("mean", "cls", "pooled")

_KNOWN_KEYS = {"name", "role", "file", "tokenizer", "pooling", "chat_template", "kind", "notes"}


@dataclass(frozen=True)
class CatalogModel:
    """One ``[[model]]`` table of ``catalog.toml``, with paths made absolute.

    Parameters
    ----------
    name : str
        Model name.
    role : ModelRole
        What the model is used for.
    file : Path
        The model file (it may not exist yet).
    tokenizer : Path or None
        ``tokenizer.json`` of an ONNX model.
    pooling : str or None
        Pooling of an embedder, one of :data:`POOLING_CHOICES`.
    chat_template : bool or None
        Override of the GGUF file's chat-template presence.
    kind : ModelKind or None
        Base or instruction-tuned.
    notes : str
        Free text.
    """

    name: str
    role: ModelRole
    file: Path
    tokenizer: Path | None = None
    pooling: str | None = None
    chat_template: bool | None = None
    kind: ModelKind | None = None
    notes: str = ""


def read_catalog(models_dir: Path) -> list[CatalogModel]:
    """Read ``catalog.toml`` from a model folder.

    Parameters
    ----------
    models_dir : Path
        The folder. A missing folder or a folder without ``catalog.toml``
        has no entries.

    Returns
    -------
    list of CatalogModel
        Entries in file order.

    Raises
    ------
    ConfigError
        The file is not valid TOML, or an entry has a missing or invalid
        field or repeats a name. ``key`` names the file and the entry.
    """
    path = models_dir / CATALOG_NAME
    if not path.is_file():
        return []
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(str(path), "<unparsable>", f"fix the TOML syntax: {error}") from error

    tables = document.get("model", [])
    if not isinstance(tables, list):
        raise ConfigError(f"{path}: model", tables, "write each model as a [[model]] table")
    entries: list[CatalogModel] = []
    seen: set[str] = set()
    for index, table in enumerate(tables):
        entry = _parse_entry(path, models_dir, index, table)
        if entry.name in seen:
            raise ConfigError(
                f"{path}: model[{index}].name", entry.name, "give each model a different name"
            )
        seen.add(entry.name)
        entries.append(entry)
    log.debug("read %d catalog entries from %s", len(entries), path)
    return entries


def _parse_entry(path: Path, models_dir: Path, index: int, table: object) -> CatalogModel:
    where = f"{path}: model[{index}]"
    if not isinstance(table, dict):
        raise ConfigError(where, table, "write each model as a [[model]] table")
    unknown = sorted(set(table) - _KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}", table[unknown[0]], _allowed_keys())

    name = _required_str(table, "name", where)
    role_text = _required_str(table, "role", where)
    try:
        role = ModelRole(role_text)
    except ValueError:
        allowed = ", ".join(repr(role.value) for role in ModelRole)
        raise ConfigError(f"{where}.role", role_text, f"use one of {allowed}") from None
    file = models_dir / _required_str(table, "file", where)

    tokenizer_text = _optional_str(table, "tokenizer", where)
    pooling = _optional_str(table, "pooling", where)
    if pooling is not None and pooling not in POOLING_CHOICES:
        raise ConfigError(f"{where}.pooling", pooling, f"use one of {', '.join(POOLING_CHOICES)}")
    chat_template = table.get("chat_template")
    if chat_template is not None and not isinstance(chat_template, bool):
        raise ConfigError(f"{where}.chat_template", chat_template, "use true or false")
    kind_text = _optional_str(table, "kind", where)
    kind = None
    if kind_text is not None:
        try:
            kind = ModelKind(kind_text)
        except ValueError:
            raise ConfigError(f"{where}.kind", kind_text, "use 'base' or 'instruct'") from None

    return CatalogModel(
        name=name,
        role=role,
        file=file,
        tokenizer=models_dir / tokenizer_text if tokenizer_text else None,
        pooling=pooling,
        chat_template=chat_template,
        kind=kind,
        notes=_optional_str(table, "notes", where) or "",
    )


def _required_str(table: dict[str, object], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}.{key}", value, f"set {key} to a non-empty string")
    return value.strip()


def _optional_str(table: dict[str, object], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{where}.{key}", value, f"set {key} to a string or leave it out")
    return value


def _allowed_keys() -> str:
    return "remove it; the allowed keys are " + ", ".join(sorted(_KNOWN_KEYS))
