"""Shared fixtures: every test gets its own data directory and database."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point HOMOG_HOME at a fresh folder and keep the shared model cache."""
    home = tmp_path_factory.mktemp("homog_home")
    monkeypatch.setenv("HOMOG_HOME", str(home))
    monkeypatch.delenv("HOMOG_DB", raising=False)
    # Assembled model files (Gemma's chunks) are reused across tests.
    monkeypatch.setenv("HOMOG_CACHE_DIR", str(_shared_cache()))
    return home


def _shared_cache() -> Path:
    path = Path(__file__).resolve().parent.parent / ".pytest_cache" / "homog-model-cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def _restore_logging():
    """Undo the handler and propagation that `homog_local.cli.main.main` installs."""
    import logging

    logger = logging.getLogger("homog_local")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    logger.handlers[:] = saved[0]
    logger.setLevel(saved[1])
    logger.propagate = saved[2]
