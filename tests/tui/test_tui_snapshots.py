"""SVG snapshots of every screen over a frozen database (fake backends, fixed timestamps).

Update after an intended change with ``pytest tests/tui --snapshot-update`` and review
the report before committing the new SVGs.
"""

from __future__ import annotations

import pytest

from homog_local.tui.screens.compare import CompareScreen
from homog_local.tui.screens.explorer import ExplorerScreen
from homog_local.tui.screens.help import HelpScreen
from homog_local.tui.screens.monitor import MonitorScreen
from homog_local.tui.screens.new_run import NewRunScreen
from homog_local.tui.screens.results import ResultsScreen

from .helpers import settle


def _opener(screen_factory, keys=()):  # noqa: ANN001, ANN202
    async def run_before(pilot) -> None:  # noqa: ANN001
        app = pilot.app
        await settle(pilot, app)
        if screen_factory is not None:
            app.push_screen(screen_factory())
            await settle(pilot, app)
        for key in keys:
            await pilot.press(key)
            await settle(pilot, app)
        # Hide the blinking cursor state and any toast from the comparison.
        app.clear_notifications()
        await pilot.pause()

    return run_before


@pytest.fixture
def frozen_app(frozen_store, make_app, monkeypatch):
    # The CPU-thread default of the form depends on the machine.
    monkeypatch.setattr("homog_local.tui.screens.new_run._form_threads", lambda defaults: 1)
    return make_app(frozen_store)


SCREENS = {
    "runs": (None, ()),
    "new_run": (NewRunScreen, ()),
    "monitor": (lambda: MonitorScreen(1), ()),
    "results_summary": (lambda: ResultsScreen(1), ()),
    "results_clusters": (lambda: ResultsScreen(1), ("2",)),
    "results_entropy": (lambda: ResultsScreen(1), ("3",)),
    "results_coverage": (lambda: ResultsScreen(1), ("4",)),
    "explorer": (lambda: ExplorerScreen(1), ("down",)),
    "compare": (lambda: CompareScreen(2, 1), ()),
    "help": (HelpScreen, ()),
}


@pytest.mark.parametrize("name", sorted(SCREENS))
def test_snapshot_screen(name, frozen_app, snap_compare):
    factory, keys = SCREENS[name]
    assert snap_compare(frozen_app, terminal_size=(100, 30), run_before=_opener(factory, keys))


@pytest.mark.parametrize("name", ["runs", "explorer", "new_run"])
def test_snapshot_screen_80x24(name, frozen_app, snap_compare):
    factory, keys = SCREENS[name]
    assert snap_compare(frozen_app, terminal_size=(80, 24), run_before=_opener(factory, keys))


def test_snapshot_light_theme(frozen_app, snap_compare):
    assert snap_compare(
        frozen_app,
        terminal_size=(100, 30),
        run_before=_opener(lambda: ExplorerScreen(1), ("ctrl+t",)),
    )
