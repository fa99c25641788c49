"""Adding entries to the model folder's ``catalog.toml``."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from homog_local.errors import ConfigError
from homog_local.models.catalog import CATALOG_NAME, POOLING_CHOICES, read_catalog
from homog_local.models.entry import ModelRole
from homog_local.models.packages import SHIPPED_MODELS

__all__ = ["add_catalog_entry"]

log = logging.getLogger(__name__)


def _toml_string(value: str) -> str:
    # A JSON string with ASCII escapes is a valid TOML basic string.
    return json.dumps(value, ensure_ascii=True)


def _relative_or_absolute(path: Path, folder: Path) -> str:
    resolved = path.resolve()
    try:
        return resolved.relative_to(folder.resolve()).as_posix()
    except ValueError:
        return str(resolved)


def add_catalog_entry(
    models_dir: Path,
    *,
    name: str,
    role: ModelRole,
    file: Path,
    tokenizer: Path | None = None,
    pooling: str | None = None,
    notes: str = "",
) -> Path:
    """Append a ``[[model]]`` table to ``catalog.toml``, creating the file when missing.

    Parameters
    ----------
    models_dir : Path
        Folder of ``catalog.toml``; created when missing.
    name : str
        Model name; must not be used by a shipped or catalog model.
    role : ModelRole
        Model role.
    file : Path
        Model file. Paths inside ``models_dir`` are written relative to it,
        others as absolute paths.
    tokenizer : Path or None, default None
        ``tokenizer.json`` of an ONNX model.
    pooling : str or None, default None
        Pooling of an embedder.
    notes : str, default ""
        Free text.

    Returns
    -------
    Path
        The catalog file.

    Raises
    ------
    ConfigError
        The name is empty or taken, or ``pooling`` is not a known method.
    """
    if not name.strip() or any(ch in name for ch in ":@/ "):
        raise ConfigError("--name", name, "use a non-empty name without ':', '@', '/' or spaces")
    if pooling is not None and pooling not in POOLING_CHOICES:
        raise ConfigError("--pooling", pooling, f"use one of {', '.join(POOLING_CHOICES)}")
    taken = {spec.name for spec in SHIPPED_MODELS}
    taken.update(item.name for item in read_catalog(models_dir))
    if name in taken:
        raise ConfigError("--name", name, "the name is taken; choose another with --name")
    lines = [
        "",
        "[[model]]",
        f"name = {_toml_string(name)}",
        f"role = {_toml_string(role.value)}",
        f"file = {_toml_string(_relative_or_absolute(file, models_dir))}",
    ]
    if tokenizer is not None:
        lines.append(f"tokenizer = {_toml_string(_relative_or_absolute(tokenizer, models_dir))}")
    if pooling is not None:
        lines.append(f"pooling = {_toml_string(pooling)}")
    if notes:
        lines.append(f"notes = {_toml_string(notes)}")
    models_dir.mkdir(parents=True, exist_ok=True)
    catalog = models_dir / CATALOG_NAME
    with catalog.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    log.info("added %s (%s) to %s", name, role.value, catalog)
    return catalog
