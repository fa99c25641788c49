"""Fixtures of the TUI tests: stores with frozen timestamps, fake engines, app factories."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from homog_local.runner import RunEngine
from homog_local.settings import resolve_settings
from homog_local.store import Store
from homog_local.store import db as store_db
from homog_local.tui.app import HomogApp, create_app

from .fakes import FakeBackend, FakeEmbedder, StepClock

FROZEN_UTC = "2025-01-02T03:04:05.000000Z"


@pytest.fixture
def frozen_utc(monkeypatch: pytest.MonkeyPatch) -> str:
    """Make every timestamp the store writes the same."""
    monkeypatch.setattr(store_db, "utc_now", lambda: FROZEN_UTC)
    return FROZEN_UTC


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "runs.sqlite")
    yield opened
    opened.close()


def fake_engine(store: Store, backend: FakeBackend | None = None) -> RunEngine:
    """Build an engine whose every run uses backend (a fresh FakeBackend by default)."""
    return RunEngine(
        store,
        backend_factory=lambda entry, settings: backend if backend is not None else FakeBackend(),
        embedder_factory=lambda name: FakeEmbedder(),
        clock=StepClock(),
    )


def small_settings(**overrides: object):  # noqa: ANN201 - RunSettings
    """Settings of a small run on the shipped model and TruthfulQA."""
    values: dict[str, object] = {"limit": 6, "n_samples": 3, "max_tokens": 16}
    values.update(overrides)
    return resolve_settings(values)


@pytest.fixture
def frozen_store(store: Store, frozen_utc: str) -> Store:
    """A database with two finished fake runs (different answers) and one unfinished run."""
    first = fake_engine(store)
    run_1 = first.create(small_settings())
    first.execute(run_1)
    second = fake_engine(store, FakeBackend(shift=1))
    run_2 = second.create(small_settings(sampler="pure", temperature=0.7))
    second.execute(run_2)
    unfinished = fake_engine(store)
    run_3 = unfinished.create(small_settings(limit=4))
    store.set_status(run_3, "interrupted")
    return store


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., HomogApp]:
    """Return a factory of apps over a given store and engine, logging into tmp_path."""

    def build(store: Store, engine: RunEngine | None = None) -> HomogApp:
        return create_app(
            store,
            engine if engine is not None else fake_engine(store),
            clock=StepClock(1.0),
            log_file=tmp_path / "tui.log",
            export_dir=tmp_path / "exports",
        )

    return build
