"""The home screen: every stored run, with open, resume, delete, export and compare."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from homog_local.report.summary import summarize_run, summary_to_json
from homog_local.tui.data.formatting import short_method
from homog_local.tui.data.results import TUI_BOOTSTRAP_RESAMPLES
from homog_local.tui.data.runs import RunRow, load_run_rows, run_n_samples, run_temperature
from homog_local.tui.jobs import explain_error
from homog_local.tui.screens.confirm import ConfirmScreen
from homog_local.tui.services import services_of

__all__ = ["RunsScreen"]

log = logging.getLogger(__name__)

_EMPTY_HINT = "No runs stored yet. Press n to start one."


class RunsScreen(Screen[None]):
    """Table of stored runs; the hub every other screen returns to."""

    BINDINGS = [
        Binding("n", "new_run", "New run"),
        Binding("enter", "open", "Open", show=False),
        Binding("m", "monitor", "Monitor"),
        Binding("r", "resume", "Resume"),
        Binding("x", "explore", "Explore"),
        Binding("c", "compare", "Compare"),
        Binding("e", "export", "Export"),
        Binding("d", "delete", "Delete"),
        Binding("g", "reload", "Reload", show=False),
        Binding("q", "app.quit", "Quit", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[int, RunRow] = {}

    def compose(self) -> ComposeResult:
        """Build the widgets."""
        yield Header()
        yield DataTable(id="runs-table", cursor_type="row", zebra_stripes=True)
        yield Static(_EMPTY_HINT, id="runs-empty")
        yield Footer()

    def on_mount(self) -> None:
        """Set up the columns and load the runs."""
        self.title = "homog-local"
        self.sub_title = "Runs"
        table = self.query_one(DataTable)
        table.add_columns("ID", "Model", "Dataset", "N", "T", "Done", "SCR", "Status", "Started")
        # Runs written by another process appear without a manual reload.
        self.set_interval(2.0, self.action_reload)
        self.action_reload()

    def on_screen_resume(self) -> None:
        """Reload when returning from another screen."""
        self.action_reload()

    def action_reload(self) -> None:
        """Reload the runs table."""
        self._load_rows()

    @work(thread=True, exclusive=True, group="runs-load")
    def _load_rows(self) -> None:
        services = services_of(self)
        try:
            rows = load_run_rows(services.store)
        except Exception as error:  # noqa: BLE001 - reported in the UI
            self.app.call_from_thread(
                self.notify, explain_error(error), severity="error", title="Cannot read runs"
            )
            return
        self.app.call_from_thread(self._fill, rows)

    def _fill(self, rows: list[RunRow]) -> None:
        table = self.query_one(DataTable)
        selected = self.selected_run_id()
        jobs = services_of(self).jobs
        self._rows = {row.run.id: row for row in rows}
        table.clear()
        for row in rows:
            run = row.run
            temperature = run_temperature(run)
            n_samples = run_n_samples(run)
            scr = "  ".join(f"{short_method(m)} {v:.2f}" for m, v in row.scr.items()) or "—"
            status = run.status
            if status == "running" and not jobs.is_running(run.id):
                status = "running*"
            table.add_row(
                str(run.id),
                run.model_name,
                run.dataset,
                str(n_samples) if n_samples is not None else "—",
                f"{temperature:g}" if temperature is not None else "—",
                f"{run.n_done}/{run.n_questions}",
                scr,
                status,
                run.created_utc[:16].replace("T", " "),
                key=str(run.id),
            )
        if selected is not None and selected in self._rows:
            table.move_cursor(row=table.get_row_index(str(selected)))
        self.query_one("#runs-empty", Static).display = not rows
        table.display = bool(rows)

    def selected_run_id(self) -> int | None:
        """Return the id of the highlighted run, or None when the table is empty."""
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return int(row_key.value) if row_key.value is not None else None

    def _selected_or_warn(self) -> int | None:
        run_id = self.selected_run_id()
        if run_id is None:
            self.notify("No run selected; press n to start one.", severity="warning")
        return run_id

    @on(DataTable.RowSelected, "#runs-table")
    def _row_selected(self) -> None:
        self.action_open()

    def action_new_run(self) -> None:
        """Open the new-run form."""
        from homog_local.tui.screens.new_run import NewRunScreen

        self.app.push_screen(NewRunScreen())

    def action_open(self) -> None:
        """Open results of a finished run, else its monitor."""
        run_id = self._selected_or_warn()
        if run_id is None:
            return
        row = self._rows[run_id]
        if row.run.n_done >= row.run.n_questions and row.run.n_done > 0:
            from homog_local.tui.screens.results import ResultsScreen

            self.app.push_screen(ResultsScreen(run_id))
        else:
            self.action_monitor()

    def action_monitor(self) -> None:
        """Open the monitor of the highlighted run."""
        run_id = self._selected_or_warn()
        if run_id is not None:
            from homog_local.tui.screens.monitor import MonitorScreen

            self.app.push_screen(MonitorScreen(run_id))

    def action_explore(self) -> None:
        """Open the question explorer of the highlighted run."""
        run_id = self._selected_or_warn()
        if run_id is not None:
            from homog_local.tui.screens.explorer import ExplorerScreen

            self.app.push_screen(ExplorerScreen(run_id))

    def action_compare(self) -> None:
        """Compare the highlighted run with the next one in the table."""
        run_id = self._selected_or_warn()
        if run_id is None:
            return
        others = sorted(
            (other for other in self._rows if other != run_id),
            key=lambda other: self._compare_preference(run_id, other),
        )
        if not others:
            self.notify("Compare needs two runs; start another with n.", severity="warning")
            return
        from homog_local.tui.screens.compare import CompareScreen

        self.app.push_screen(CompareScreen(run_id, others[0]))

    def _compare_preference(self, run_id: int, other: int) -> tuple[bool, bool, int]:
        # Prefer a run on the same dataset with finished questions, then the newest.
        base, candidate = self._rows[run_id].run, self._rows[other].run
        return (candidate.dataset != base.dataset, candidate.n_done == 0, -candidate.id)

    def action_resume(self) -> None:
        """Resume the highlighted run in this process and open its monitor."""
        run_id = self._selected_or_warn()
        if run_id is None:
            return
        run = self._rows[run_id].run
        jobs = services_of(self).jobs
        if jobs.is_running(run_id):
            self.notify(f"Run {run_id} is already running.", severity="warning")
            return
        if run.n_done >= run.n_questions:
            self.notify(f"Run {run_id} is finished; nothing to resume.")
            return
        if run.status == "running":
            question = (
                f"Run {run_id} is marked running, so another homog process may be executing "
                "it. Resume here only if none is (for example after a crash). Resume?"
            )
            self.app.push_screen(
                ConfirmScreen(question, "Resume"),
                lambda yes: self._open_monitor(run_id, start=bool(yes)),
            )
            return
        self._open_monitor(run_id, start=True)

    def _open_monitor(self, run_id: int, start: bool) -> None:
        if not start:
            return
        from homog_local.tui.screens.monitor import MonitorScreen

        self.app.push_screen(MonitorScreen(run_id, start=True))

    def action_delete(self) -> None:
        """Delete the highlighted run after confirmation."""
        run_id = self._selected_or_warn()
        if run_id is None:
            return
        if services_of(self).jobs.is_running(run_id):
            self.notify(
                f"Run {run_id} is running; cancel it in the monitor (c) first.", severity="warning"
            )
            return
        run = self._rows[run_id].run
        question = (
            f"Delete run {run_id} ({run.model_name} on {run.dataset}, "
            f"{run.n_done}/{run.n_questions} questions)? Its samples, clusters and labels "
            "are removed from the database; this cannot be undone."
        )
        self.app.push_screen(
            ConfirmScreen(question, "Delete"), lambda yes: self._delete(run_id) if yes else None
        )

    @work(thread=True, group="runs-write")
    def _delete(self, run_id: int) -> None:
        try:
            services_of(self).store.delete_run(run_id)
        except Exception as error:  # noqa: BLE001 - reported in the UI
            self.app.call_from_thread(
                self.notify,
                explain_error(error),
                severity="error",
                title=f"Run {run_id} not deleted",
            )
            return
        log.info("deleted run %d", run_id)
        self.app.call_from_thread(self.notify, f"Deleted run {run_id}.")
        self.app.call_from_thread(self.action_reload)

    def action_export(self) -> None:
        """Write the highlighted run's JSON summary to the export folder."""
        run_id = self._selected_or_warn()
        if run_id is not None:
            self._export(run_id)

    @work(thread=True, group="runs-write")
    def _export(self, run_id: int) -> None:
        services = services_of(self)
        try:
            summary = summarize_run(services.store, run_id, n_resamples=TUI_BOOTSTRAP_RESAMPLES)
            path = write_summary(summary_to_json(summary), services.export_dir, run_id)
        except Exception as error:  # noqa: BLE001 - reported in the UI
            self.app.call_from_thread(
                self.notify,
                explain_error(error),
                severity="error",
                title=f"Run {run_id} not exported",
            )
            return
        log.info("exported run %d summary to %s", run_id, path)
        self.app.call_from_thread(self.notify, f"Wrote {path}", title="Summary exported")


def write_summary(document: dict[str, object], folder: Path, run_id: int) -> Path:
    """Write a summary document as ``run-<id>-summary.json`` in folder and return the path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"run-{run_id}-summary.json"
    path.write_text(json.dumps(document, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return path
