"""Locations of the data directory, the default database and caches.

``HOMOG_HOME`` overrides the data directory; otherwise it is
``$XDG_DATA_HOME/homog-local`` or ``~/.local/share/homog-local``.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir", "data_dir", "default_db_path", "project_models_dir"]


def data_dir() -> Path:
    """Return the data directory, creating it when missing."""
    override = os.environ.get("HOMOG_HOME")
    if override:
        base = Path(override).expanduser()
    else:
        xdg = os.environ.get("XDG_DATA_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".local" / "share") / "homog-local"
    base.mkdir(parents=True, exist_ok=True)
    return base


def default_db_path() -> Path:
    """Return the default SQLite database path (``HOMOG_DB`` overrides it)."""
    override = os.environ.get("HOMOG_DB")
    if override:
        return Path(override).expanduser()
    return data_dir() / "homog.sqlite"


def cache_dir() -> Path:
    """Return the cache directory for assembled model files (``HOMOG_CACHE_DIR`` overrides it)."""
    override = os.environ.get("HOMOG_CACHE_DIR")
    path = Path(override).expanduser() if override else data_dir() / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def project_models_dir() -> Path:
    """Return the user's model folder (``HOMOG_MODELS_DIR`` or ``./models``)."""
    override = os.environ.get("HOMOG_MODELS_DIR")
    return Path(override).expanduser() if override else Path.cwd() / "models"
