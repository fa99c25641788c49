"""Pilot tests of every screen, with fake backends (fast) and the shipped model (real)."""

from __future__ import annotations

import json
import threading

import pytest
from textual.widgets import Button, DataTable, Input, ProgressBar, Static

from homog_local.errors import BackendError
from homog_local.runner import RunEngine
from homog_local.store import Store
from homog_local.tui.jobs import JobState
from homog_local.tui.screens.compare import CompareScreen
from homog_local.tui.screens.confirm import ConfirmScreen
from homog_local.tui.screens.explorer import ExplorerScreen
from homog_local.tui.screens.help import HelpScreen
from homog_local.tui.screens.monitor import MonitorScreen
from homog_local.tui.screens.new_run import NewRunScreen
from homog_local.tui.screens.results import ResultsScreen
from homog_local.tui.screens.runs import RunsScreen

from .conftest import fake_engine, small_settings
from .fakes import FakeBackend
from .helpers import settle, wait_for_job, wait_until

SIZE = (100, 30)


def _cells(table: DataTable) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def _text(widget: Static) -> str:
    return str(widget.render())


async def _fill(pilot, app, field: str, value: str) -> None:  # noqa: ANN001
    widget = app.screen.query_one(f"#{field}", Input)
    widget.value = value
    await pilot.pause()


async def test_runs_table_lists_stored_runs(frozen_store, make_app):
    app = make_app(frozen_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, RunsScreen)
        rows = _cells(app.screen.query_one(DataTable))
        assert [row[0] for row in rows] == ["3", "2", "1"]
        assert rows[2][5] == "6/6"
        assert "jac@0.4" in rows[2][6]
        assert rows[0][7] == "interrupted"
        assert rows[2][8] == "2025-01-02 03:04"


async def test_runs_empty_database_shows_hint(store, make_app):
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.screen.query_one("#runs-empty", Static).display
        await pilot.press("x")
        await settle(pilot, app)
        assert isinstance(app.screen, RunsScreen)


async def test_new_run_form_shows_inline_errors(store, make_app):
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("n")
        await settle(pilot, app)
        assert isinstance(app.screen, NewRunScreen)
        await _fill(pilot, app, "n_samples", "0")
        error = app.screen.query_one("#n_samples-error", Static)
        assert error.display
        assert _text(error) == "Samples N: 0 is invalid; use an integer from 1 to 200."
        await _fill(pilot, app, "n_samples", "3")
        assert not error.display
        await _fill(pilot, app, "temperature", "hot")
        assert _text(app.screen.query_one("#temperature-error")) == (
            "Temperature: enter a number; got 'hot'."
        )
        await _fill(pilot, app, "temperature", "9")
        assert "(0, 5]" in _text(app.screen.query_one("#temperature-error"))
        await _fill(pilot, app, "temperature", "1")
        await _fill(pilot, app, "max_tokens", "5000")
        assert "1 to 4096" in _text(app.screen.query_one("#max_tokens-error"))
        await _fill(pilot, app, "max_tokens", "16")
        await _fill(pilot, app, "tau-jaccard", "1.5")
        assert "(0, 1]" in _text(app.screen.query_one("#clusterers-error"))
        await _fill(pilot, app, "tau-jaccard", "0.4")
        await pilot.click("#use-jaccard")
        await pilot.click("#use-embedding")
        await pilot.pause()
        assert "at least one clusterer" in _text(app.screen.query_one("#clusterers-error"))
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, NewRunScreen)
        assert store.list_runs() == []


async def test_new_run_form_names_judge(store, make_app):
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("n")
        await settle(pilot, app)
        note = app.screen.query_one("#judge-note", Static)
        assert "embedding-similarity (primary)" in _text(note)
        app.screen.query_one("#dataset").value = "gsm8k"
        await pilot.pause()
        assert "numeric-match" in _text(note)


async def test_new_run_with_missing_dataset_file(store, make_app, tmp_path):
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("n")
        await settle(pilot, app)
        app.screen.query_one("#dataset").value = "__file__"
        await _fill(pilot, app, "dataset-path", str(tmp_path / "missing.jsonl"))
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, NewRunScreen)
        error = app.screen.query_one("#dataset-error", Static)
        assert error.display
        assert "missing.jsonl" in _text(error)
        assert not app.screen.query_one("#start", Button).disabled


async def test_real_run_from_form_to_explorer(make_app, tmp_path):
    """Start a real llama.cpp run (SmolLM2-135M, 2 questions, N=3) from the form."""
    store = Store(tmp_path / "real.sqlite")
    app = make_app(store, RunEngine(store))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("n")
        await settle(pilot, app)
        assert app.screen.query_one("#model").value == "smollm2-135m-instruct"
        await _fill(pilot, app, "limit", "2")
        await _fill(pilot, app, "n_samples", "3")
        await _fill(pilot, app, "max_tokens", "16")
        await pilot.click("#start")
        await wait_until(pilot, lambda: isinstance(app.screen, MonitorScreen))
        run_id = app.screen.run_id
        assert await wait_for_job(pilot, app, run_id) is JobState.FINISHED
        run = store.get_run(run_id)
        assert (run.status, run.n_done, run.n_questions) == ("finished", 2, 2)
        assert app.screen.query_one(ProgressBar).progress == 2
        assert "tokens/s" in _text(app.screen.query_one("#monitor-stats"))
        assert "SCR" in _text(app.screen.query_one("#monitor-scr"))
        assert "run 1 started" in "\n".join(
            str(line.text) for line in app.screen.query_one("#monitor-log").lines
        )
        await pilot.press("v")
        await settle(pilot, app)
        assert isinstance(app.screen, ResultsScreen)
        scr_rows = _cells(app.screen.query_one("#scr-table", DataTable))
        assert {row[0] for row in scr_rows} == {"jaccard@0.4", "embedding:minilm-l6-int8@0.85"}
        await pilot.press("x")
        await settle(pilot, app)
        assert isinstance(app.screen, ExplorerScreen)
        assert app.screen.query_one("#question-table", DataTable).row_count == 2
    store.close()


async def test_real_run_cancel_and_resume(make_app, tmp_path):
    """Cancel a real llama.cpp run after its first question, then resume it to the end."""
    store = Store(tmp_path / "real.sqlite")
    engine = RunEngine(store)
    # One core stays free for the UI thread, as the new-run form does.
    # Groups of one question, so the cancel lands between stored questions.
    run_id = engine.create(small_settings(limit=3, n_samples=3, max_tokens=16, n_threads=1,
                                          group_size=1))
    app = make_app(store, engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, MonitorScreen))
        jobs = app.services.jobs
        await wait_until(pilot, lambda: jobs.get(run_id).progress is not None, timeout_s=120)
        await pilot.press("c")
        assert await wait_for_job(pilot, app, run_id) is JobState.INTERRUPTED
        interrupted = store.get_run(run_id)
        assert interrupted.status == "interrupted"
        assert 1 <= interrupted.n_done < 3
        await pilot.press("r")
        assert await wait_for_job(pilot, app, run_id) is JobState.FINISHED
        assert store.get_run(run_id).n_done == 3
    store.close()


async def test_fake_run_cancel_leaves_run_resumable(store, make_app):
    started = threading.Event()
    engine = fake_engine(store, FakeBackend(delay_s=0.05, started=started))
    run_id = engine.create(small_settings(limit=6, group_size=1))
    app = make_app(store, engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, MonitorScreen))
        await wait_until(pilot, lambda: store.get_run(run_id).n_done >= 1)
        await pilot.press("c")
        assert await wait_for_job(pilot, app, run_id) is JobState.INTERRUPTED
        assert store.get_run(run_id).n_done < 6
        await pilot.press("escape")
        await settle(pilot, app)
        assert "interrupted" in _cells(app.screen.query_one(DataTable))[0][7]
        await pilot.press("r")
        assert await wait_for_job(pilot, app, run_id) is JobState.FINISHED
        assert store.get_run(run_id).status == "finished"


async def test_failed_run_is_notified_without_traceback(store, make_app):
    engine = fake_engine(store, FakeBackend(fail_with=BackendError("llama.cpp", "decode failed")))
    run_id = engine.create(small_settings(limit=2))
    app = make_app(store, engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("m")
        await settle(pilot, app)
        await pilot.press("r")
        assert await wait_for_job(pilot, app, run_id) is JobState.FAILED
        messages = [n.message for n in app._notifications]
        assert any("llama.cpp failed: decode failed" in m for m in messages)
        assert not any("Traceback" in m for m in messages)
        assert store.get_run(run_id).status == "failed"
        assert isinstance(app.screen, MonitorScreen)


async def test_monitor_watches_run_of_another_process(store, make_app, tmp_path):
    engine = fake_engine(store)
    run_id = engine.create(small_settings(limit=4))
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("m")
        await settle(pilot, app)
        assert isinstance(app.screen, MonitorScreen)
        other = Store(store.path)
        writer = threading.Thread(
            target=lambda: fake_engine(other, FakeBackend(delay_s=0.05)).execute(run_id)
        )
        writer.start()
        await wait_until(
            pilot, lambda: app.screen.query_one(ProgressBar).progress == 4, timeout_s=30
        )
        writer.join()
        other.close()
        await pilot.pause(1.2)
        await settle(pilot, app)
        assert "finished" in _text(app.screen.query_one("#monitor-title"))
        assert "Latest question" in _text(app.screen.query_one("#monitor-question"))


async def test_results_never_show_nan(frozen_store, make_app):
    app = make_app(frozen_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.push_screen(ResultsScreen(1))
        await settle(pilot, app)
        rows = _cells(app.screen.query_one("#auroc-table", DataTable))
        assert rows
        assert not any("nan" in cell.lower() for row in rows for cell in row)
        assert any(cell.startswith("undefined (n+=") for row in rows for cell in row)
        for key in ("2", "3", "4", "1"):
            await pilot.press(key)
            await pilot.pause()
        assert "Cohen's d" in _text(app.screen.query_one("#results-overview"))


async def test_explorer_filters_and_clusterer_switch(frozen_store, make_app):
    app = make_app(frozen_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.push_screen(ExplorerScreen(1))
        await settle(pilot, app)
        table = app.screen.query_one("#question-table", DataTable)
        assert table.row_count == 6
        app.screen.query_one("#cluster-filter").value = "single"
        await pilot.pause()
        single = _cells(table)
        assert single
        assert all(row[1] == "1" for row in single)
        app.screen.query_one("#cluster-filter").value = "multi"
        await pilot.pause()
        assert all(row[1] != "1" for row in _cells(table))
        app.screen.query_one("#cluster-filter").clear()
        await pilot.press("slash")
        await pilot.press(*"matadors")
        await pilot.pause()
        assert table.row_count == 1
        await pilot.press("escape")
        await settle(pilot, app)
        app.push_screen(ExplorerScreen(1))
        await settle(pilot, app)
        before = app.screen.sub_title
        await pilot.press("k")
        await pilot.pause()
        assert app.screen.sub_title != before
        assert "jac@0.4" in app.screen.sub_title
        assert "references:" in _text(app.screen.query_one("#question-references"))
        assert "(primary)" in _text(app.screen.query_one("#question-text"))


async def test_compare_shows_shared_questions(frozen_store, make_app):
    app = make_app(frozen_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("down")
        await pilot.press("c")
        await settle(pilot, app)
        assert isinstance(app.screen, CompareScreen)
        overview = _text(app.screen.query_one("#compare-overview"))
        assert "A: run 2" in overview
        assert "B: run 1" in overview
        assert "Shared finished questions (same text): 6" in overview
        rows = _cells(app.screen.query_one("#compare-table", DataTable))
        assert [row[0] for row in rows] == ["embedding:minilm-l6-int8@0.85", "jaccard@0.4"]
        assert all(row[1] == "6" for row in rows)
        await pilot.press("s")
        await settle(pilot, app)
        assert "A: run 1" in _text(app.screen.query_one("#compare-overview"))


async def test_delete_asks_for_confirmation(frozen_store, make_app):
    app = make_app(frozen_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("d")
        await settle(pilot, app)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot, app)
        assert len(frozen_store.list_runs()) == 3
        await pilot.press("d")
        await settle(pilot, app)
        await pilot.press("y")
        await settle(pilot, app)
        assert [run.id for run in frozen_store.list_runs()] == [2, 1]
        assert app.screen.query_one(DataTable).row_count == 2


async def test_export_writes_summary_json(frozen_store, make_app, tmp_path):
    app = make_app(frozen_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("down", "down", "e")
        await settle(pilot, app)
        path = tmp_path / "exports" / "run-1-summary.json"
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["run_id"] == 1
        assert [row["method"] for row in document["scr"]] == [
            "embedding:minilm-l6-int8@0.85",
            "jaccard@0.4",
        ]
        assert any(str(path) in n.message for n in app._notifications)


async def test_help_and_theme_toggle(frozen_store, make_app):
    app = make_app(frozen_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
        assert app.current_theme.dark
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert not app.current_theme.dark


@pytest.mark.parametrize("size", [(80, 24)])
async def test_screens_open_at_80x24(frozen_store, make_app, size):
    app = make_app(frozen_store)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        await pilot.press("down", "down")
        for key, screen in (
            ("enter", ResultsScreen),
            ("escape", RunsScreen),
            ("x", ExplorerScreen),
            ("escape", RunsScreen),
            ("m", MonitorScreen),
            ("escape", RunsScreen),
            ("n", NewRunScreen),
        ):
            await pilot.press(key)
            await settle(pilot, app)
            assert isinstance(app.screen, screen)
        assert app.screen.query_one("#start", Button).region.bottom <= size[1]
