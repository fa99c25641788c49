"""Two runs side by side on the questions both finished."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Select, Static

from homog_local.store import RunRecord
from homog_local.tui.data.compare import RunComparison, compare_runs
from homog_local.tui.data.formatting import format_difference, format_test
from homog_local.tui.jobs import explain_error
from homog_local.tui.services import services_of

__all__ = ["CompareScreen"]


class CompareScreen(Screen[None]):
    """SCR and mean clusters of two runs per shared clusterer, on shared questions.

    Parameters
    ----------
    run_a, run_b : int
        The runs to compare first; both can be changed on the screen.

    Notes
    -----
    Δ SCR is B minus A with a paired bootstrap CI; McNemar's exact test uses
    the per-question single-cluster flags and Wilcoxon's signed-rank test the
    per-question cluster counts. Undefined tests show their reason.
    """

    BINDINGS = [
        Binding("s", "swap", "Swap A/B"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, run_a: int, run_b: int) -> None:
        super().__init__()
        self._initial = (run_a, run_b)

    def compose(self) -> ComposeResult:
        """Build the widgets."""
        yield Header()
        with Horizontal(id="compare-pickers"):
            yield Select([], prompt="run A", id="run-a", compact=True)
            yield Select([], prompt="run B", id="run-b", compact=True)
        with VerticalScroll():
            yield Static("loading…", id="compare-overview")
            yield DataTable(id="compare-table", cursor_type="row", show_cursor=False)
            yield Static(
                "Δ SCR = B − A, paired bootstrap 95% CI. p(McNemar): exact test on the "
                "single-cluster flags. p(Wilcoxon): signed-rank test on cluster counts.",
                id="compare-note",
            )
        yield Footer()

    def on_mount(self) -> None:
        """Load the run list and the first comparison."""
        self.sub_title = "Compare runs"
        self.query_one(DataTable).add_columns(
            "Clusterer",
            "n",
            "SCR A",
            "SCR B",
            "Δ SCR [95% CI]",
            "p McNemar",
            "Mean cl. A",
            "Mean cl. B",
            "p Wilcoxon",
        )
        self._load_runs()

    @work(thread=True, exclusive=True, group="compare-runs")
    def _load_runs(self) -> None:
        try:
            runs = services_of(self).store.list_runs()
        except Exception as error:  # noqa: BLE001 - reported in the UI
            self.app.call_from_thread(self.notify, explain_error(error), severity="error")
            return
        self.app.call_from_thread(self._fill_pickers, runs)

    def _fill_pickers(self, runs: list[RunRecord]) -> None:
        options = [
            (f"{r.id}: {r.model_name} on {r.dataset} ({r.n_done}/{r.n_questions})", r.id)
            for r in runs
        ]
        ids = {r.id for r in runs}
        run_a, run_b = self._initial
        with self.prevent(Select.Changed):
            for selector, run_id in (("#run-a", run_a), ("#run-b", run_b)):
                select: Select[int] = self.query_one(selector, Select)
                select.set_options(options)
                if run_id in ids:
                    select.value = run_id
        self._compare(run_a, run_b)

    @on(Select.Changed)
    def _picked(self) -> None:
        run_a = self.query_one("#run-a", Select).value
        run_b = self.query_one("#run-b", Select).value
        if isinstance(run_a, int) and isinstance(run_b, int):
            self._compare(run_a, run_b)

    def action_swap(self) -> None:
        """Swap runs A and B."""
        select_a: Select[int] = self.query_one("#run-a", Select)
        select_b: Select[int] = self.query_one("#run-b", Select)
        run_a, run_b = select_a.value, select_b.value
        with self.prevent(Select.Changed):
            select_a.value, select_b.value = run_b, run_a
        if isinstance(run_a, int) and isinstance(run_b, int):
            self._compare(run_b, run_a)

    @work(thread=True, exclusive=True, group="compare")
    def _compare(self, run_a: int, run_b: int) -> None:
        try:
            comparison = compare_runs(services_of(self).store, run_a, run_b)
        except Exception as error:  # noqa: BLE001 - reported in the UI
            self.app.call_from_thread(self.notify, explain_error(error), severity="error")
            return
        self.app.call_from_thread(self._show, comparison)

    def _show(self, comparison: RunComparison) -> None:
        a, b = comparison.run_a, comparison.run_b
        lines = [
            f"A: run {a.id}, {a.model_name} on {a.dataset}, {a.n_done}/{a.n_questions} done",
            f"B: run {b.id}, {b.model_name} on {b.dataset}, {b.n_done}/{b.n_questions} done",
            f"Shared finished questions (same text): {comparison.n_shared}",
        ]
        if a.id == b.id:
            lines.append("A and B are the same run; pick another run for B.")
        if comparison.methods_only_a or comparison.methods_only_b:
            lines.append(
                "Not compared (one run only): "
                + ", ".join(comparison.methods_only_a + comparison.methods_only_b)
            )
        self.query_one("#compare-overview", Static).update("\n".join(lines))
        table = self.query_one(DataTable)
        table.clear()
        for row in comparison.methods:
            table.add_row(
                row.method,
                str(row.n),
                f"{row.scr_a:.2f}",
                f"{row.scr_b:.2f}",
                format_difference(row.scr_difference),
                format_test(row.single_cluster_test),
                f"{row.mean_clusters_a:.2f}",
                f"{row.mean_clusters_b:.2f}",
                format_test(row.n_clusters_test),
            )
