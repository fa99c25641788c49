"""Pilot tests of the decoding settings on the new-run form and the results overview."""

from __future__ import annotations

import json
import sqlite3

import pytest
from textual.widgets import Button, Checkbox, Collapsible, Input, Select, Static

from homog_local.settings import RunSettings
from homog_local.tui.data.runs import run_decoding
from homog_local.tui.jobs import JobState
from homog_local.tui.screens.monitor import MonitorScreen
from homog_local.tui.screens.new_run import NewRunScreen
from homog_local.tui.screens.results import ResultsScreen

from .helpers import settle, wait_for_job, wait_until

SIZE = (100, 30)


def _text(widget: Static) -> str:
    return str(widget.render())


async def _open_form(pilot, app) -> NewRunScreen:  # noqa: ANN001
    await settle(pilot, app)
    await pilot.press("n")
    await settle(pilot, app)
    assert isinstance(app.screen, NewRunScreen)
    return app.screen


async def _fill(pilot, screen: NewRunScreen, field: str, value: str) -> None:  # noqa: ANN001
    screen.query_one(f"#{field}", Input).value = value
    await pilot.pause()


async def _expand_decoding(pilot) -> None:  # noqa: ANN001
    await pilot.click("#decoding CollapsibleTitle")
    # Expanding scrolls the section into view.
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def _error(screen: NewRunScreen, field: str) -> Static:
    return screen.query_one(f"#{field}-error", Static)


async def test_decoding_section_defaults_and_layout(store, make_app):
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_form(pilot, app)
        section = screen.query_one("#decoding", Collapsible)
        assert section.collapsed
        assert section.title == (
            "Decoding: batched, 32 slots, groups of 8, flash attention off, KV cache f16"
        )
        assert screen.query_one("#decode", Select).value == "batched"
        assert screen.query_one("#parallel", Input).value == "32"
        assert screen.query_one("#group_size", Input).value == "8"
        assert screen.query_one("#flash_attn", Checkbox).value is False
        assert screen.query_one("#kv_type", Select).value == "f16"

        # Collapsed, the section keeps the Start button on a 100x30 screen.
        start = screen.query_one("#start", Button).region
        assert start.height == 1
        assert start.bottom <= SIZE[1] - 1

        await _expand_decoding(pilot)
        assert not section.collapsed
        for field in ("decode", "parallel", "group_size", "flash_attn", "kv_type"):
            assert screen.query_one(f"#{field}").region.height == 1, field


@pytest.mark.parametrize(
    ("decode", "parallel", "group_size", "kv_type", "expected"),
    [
        (
            "batched",
            "4",
            "2",
            "q8_0",
            "Decoding: batched, 4 slots, groups of 2, flash attention on, KV cache q8_0",
        ),
        (
            "sequential",
            "16",
            "3",
            "f32",
            "Decoding: sequential, one answer at a time, flash attention on, KV cache f32",
        ),
    ],
)
async def test_decoding_fields_stored_with_run(
    store, make_app, decode, parallel, group_size, kv_type, expected
):
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_form(pilot, app)
        await _fill(pilot, screen, "limit", "2")
        await _fill(pilot, screen, "n_samples", "3")
        await _fill(pilot, screen, "max_tokens", "16")
        await _expand_decoding(pilot)
        screen.query_one("#decode", Select).value = decode
        await pilot.pause()
        await _fill(pilot, screen, "parallel", parallel)
        await _fill(pilot, screen, "group_size", group_size)
        await pilot.click("#flash_attn")
        await pilot.pause()
        screen.query_one("#kv_type", Select).value = kv_type
        await pilot.pause()
        assert screen.query_one("#decoding", Collapsible).title == expected

        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, MonitorScreen))
        run_id = app.screen.run_id
        assert await wait_for_job(pilot, app, run_id) is JobState.FINISHED

        stored = store.get_run(run_id).settings
        assert stored["decode"] == decode
        assert stored["parallel"] == int(parallel)
        assert stored["group_size"] == int(group_size)
        assert stored["flash_attn"] is True
        assert stored["kv_type"] == kv_type
        assert stored["n_samples"] == 3
        settings = RunSettings.from_json(stored)
        assert (settings.decode, settings.parallel, settings.group_size) == (
            decode,
            int(parallel),
            int(group_size),
        )
        assert (settings.flash_attn, settings.kv_type) == (True, kv_type)

        await pilot.press("v")
        await settle(pilot, app)
        assert isinstance(app.screen, ResultsScreen)
        overview = _text(app.screen.query_one("#results-overview", Static))
        assert expected in overview


async def test_decoding_bad_values_named_and_blocked(store, make_app):
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_form(pilot, app)
        section = screen.query_one("#decoding", Collapsible)
        assert section.collapsed

        # An invalid value opens the collapsed section so its error is visible.
        await _fill(pilot, screen, "parallel", "0")
        assert not section.collapsed
        error = _error(screen, "parallel")
        assert error.display
        assert _text(error) == "Parallel slots: 0 is invalid; use an integer from 1 to 256."

        await _fill(pilot, screen, "parallel", "257")
        assert _text(error) == "Parallel slots: 257 is invalid; use an integer from 1 to 256."
        await _fill(pilot, screen, "parallel", "many")
        assert _text(error) == "Parallel slots: enter an integer; got 'many'."
        # Input that looks like markup is shown as typed.
        await _fill(pilot, screen, "parallel", "[/]")
        assert _text(error) == "Parallel slots: enter an integer; got '[/]'."
        title = screen.query_one("#decoding CollapsibleTitle", Static)
        assert "batched, [/] slots" in _text(title)

        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, NewRunScreen)
        assert store.list_runs() == []

        await _fill(pilot, screen, "parallel", "8")
        assert not error.display
        await _fill(pilot, screen, "group_size", "0")
        group_error = _error(screen, "group_size")
        assert group_error.display
        assert _text(group_error) == "Group size: 0 is invalid; use an integer from 1 to 1024."
        await _fill(pilot, screen, "group_size", "1025")
        assert _text(group_error) == "Group size: 1025 is invalid; use an integer from 1 to 1024."
        await _fill(pilot, screen, "group_size", "2.5")
        assert _text(group_error) == "Group size: enter an integer; got '2.5'."

        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, NewRunScreen)
        assert store.list_runs() == []

        await _fill(pilot, screen, "group_size", "4")
        assert not group_error.display
        assert not screen.query_one("#start", Button).disabled


async def test_decoding_defaults_from_environment(store, make_app, monkeypatch):
    monkeypatch.setenv("HOMOG_DECODE", "sequential")
    monkeypatch.setenv("HOMOG_FLASH_ATTN", "1")
    monkeypatch.setenv("HOMOG_KV_TYPE", "q8_0")
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_form(pilot, app)
        assert screen.query_one("#decode", Select).value == "sequential"
        assert screen.query_one("#flash_attn", Checkbox).value is True
        assert screen.query_one("#kv_type", Select).value == "q8_0"
        assert screen.query_one("#decoding", Collapsible).title == (
            "Decoding: sequential, one answer at a time, flash attention on, KV cache q8_0"
        )


async def test_decoding_invalid_environment_named(store, make_app, monkeypatch):
    monkeypatch.setenv("HOMOG_PARALLEL", "many")
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_form(pilot, app)
        await settle(pilot, app)
        assert not screen.query_one("#decoding", Collapsible).collapsed
        error = _error(screen, "parallel")
        assert error.display
        assert _text(error) == "HOMOG_PARALLEL: 'many' is invalid; must be an integer."
        assert not _error(screen, "model").display


async def test_results_show_decoding_settings(frozen_store, make_app):
    keys = ("decode", "parallel", "group_size", "flash_attn", "kv_type")
    # Run 3 gets the settings of a database written before these keys existed.
    older = {k: v for k, v in frozen_store.get_run(3).settings.items() if k not in keys}
    with sqlite3.connect(frozen_store.path) as connection:
        connection.execute("UPDATE runs SET settings_json = ? WHERE id = 3", (json.dumps(older),))
    connection.close()
    assert run_decoding(frozen_store.get_run(3)) is None

    app = make_app(frozen_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.push_screen(ResultsScreen(1))
        await settle(pilot, app)
        overview = _text(app.screen.query_one("#results-overview", Static))
        assert (
            "Decoding: batched, 32 slots, groups of 8, flash attention off, KV cache f16"
            in overview
        )

        await pilot.press("escape")
        await settle(pilot, app)
        app.push_screen(ResultsScreen(3))
        await settle(pilot, app)
        overview = _text(app.screen.query_one("#results-overview", Static))
        assert "Decoding: not stored with this run" in overview
