"""Results of one run: summary table with CIs and plots."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from homog_local.signals import B1_MEAN
from homog_local.tui.data.formatting import (
    format_auroc,
    format_cohens_d,
    format_number,
    format_proportion,
    short_method,
)
from homog_local.tui.data.histogram import histogram_bins
from homog_local.tui.data.results import TUI_BOOTSTRAP_RESAMPLES, ResultsData, load_results
from homog_local.tui.data.runs import run_decoding
from homog_local.tui.jobs import explain_error
from homog_local.tui.services import services_of
from homog_local.tui.widgets.bar_plot import BarPlot
from homog_local.tui.widgets.line_plot import LinePlot

__all__ = ["ResultsScreen"]

_TABS = ("summary", "clusters", "entropy", "coverage")


class ResultsScreen(Screen[None]):
    """Summary (SCR, AUROC, Cohen's d) and plots of one run.

    Parameters
    ----------
    run_id : int
        The run to show; unfinished runs show their finished questions.
    """

    BINDINGS = [
        Binding("1", "tab('summary')", "Summary"),
        Binding("2", "tab('clusters')", "Clusters"),
        Binding("3", "tab('entropy')", "B1"),
        Binding("4", "tab('coverage')", "Coverage"),
        Binding("x", "explore", "Explore"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, run_id: int) -> None:
        super().__init__()
        self.run_id = run_id

    def compose(self) -> ComposeResult:
        """Build the widgets."""
        yield Header()
        with TabbedContent(id="results-tabs"):
            with TabPane("Summary", id="summary"), VerticalScroll():
                yield Static("computing the summary…", id="results-overview")
                yield DataTable(id="scr-table", cursor_type="row", show_cursor=False)
                yield DataTable(id="auroc-table", cursor_type="row")
            with TabPane("Clusters", id="clusters"):
                yield BarPlot(id="cluster-plot")
            with TabPane("B1 entropy", id="entropy"):
                yield BarPlot(id="entropy-plot")
            with TabPane("Coverage", id="coverage"):
                yield LinePlot(id="coverage-plot")
        yield Footer()

    def on_mount(self) -> None:
        """Set up tables and compute the results in a worker."""
        self.sub_title = f"Run {self.run_id} results"
        self.query_one("#scr-table", DataTable).add_columns(
            "Clusterer", "SCR [95% CI]", "n", "Mean clusters"
        )
        self.query_one("#auroc-table", DataTable).add_columns(
            "Signal", "Questions", "AUROC [95% CI]", "n+", "n−", "No value"
        )
        self._load()

    @work(thread=True, exclusive=True, group="results")
    def _load(self) -> None:
        try:
            data = load_results(services_of(self).store, self.run_id)
        except Exception as error:  # noqa: BLE001 - reported in the UI
            message = explain_error(error)
            self.app.call_from_thread(self._show_failure, message)
            return
        self.app.call_from_thread(self._show, data)

    def _show_failure(self, message: str) -> None:
        self.query_one("#results-overview", Static).update(f"Cannot compute results: {message}")
        self.notify(message, severity="error", title="Results unavailable")

    def _show(self, data: ResultsData) -> None:
        summary = data.summary
        run = summary.run
        decoding = run_decoding(run) or "not stored with this run"
        self.query_one("#results-overview", Static).update(
            f"Run {run.id}: {run.model_name} ({run.model_kind}) on {run.dataset}, "
            f"{run.n_done}/{run.n_questions} questions, status {run.status}\n"
            f"Decoding: {decoding}\n"
            f"Labels by {summary.primary_judge or 'no judge'}: {summary.n_correct} correct, "
            f"{summary.n_incorrect} incorrect, {summary.n_ambiguous} ambiguous "
            f"(left out of AUROC), {summary.n_unlabelled} unlabelled; "
            f"{summary.n_empty_answers} empty answers\n"
            f"B1 Cohen's d (incorrect vs correct): {format_cohens_d(summary.b1_cohens_d)}\n"
            f"CIs: percentile bootstrap, {TUI_BOOTSTRAP_RESAMPLES} resamples "
            "(the CLI report uses 10 000)"
        )
        scr_table = self.query_one("#scr-table", DataTable)
        scr_table.clear()
        for row in summary.scr:
            scr_table.add_row(
                row.method,
                format_proportion(row.scr),
                str(row.scr.n),
                format_number(row.mean_clusters),
            )
        auroc_table = self.query_one("#auroc-table", DataTable)
        auroc_table.clear()
        for row in summary.signals:
            auroc_table.add_row(
                _short_signal(row.signal),
                _short_signal(row.subset),
                format_auroc(row.auroc),
                str(row.auroc.n_positive),
                str(row.auroc.n_negative),
                str(row.n_undefined),
            )
        self._plot(data)

    def _plot(self, data: ResultsData) -> None:
        counts = data.cluster_counts
        max_count = max((c for by_count in counts.values() for c in by_count), default=0)
        categories = [str(c) for c in range(1, max_count + 1)]
        self.query_one("#cluster-plot", BarPlot).show(
            categories,
            {
                short_method(m): [by_count.get(c, 0) for c in range(1, max_count + 1)]
                for m, by_count in counts.items()
            },
            title="Questions per number of clusters",
            xlabel="clusters among the N samples",
            ylabel="questions",
        )
        labels, bins = histogram_bins(data.b1_by_label)
        self.query_one("#entropy-plot", BarPlot).show(
            labels,
            {f"{name} (n={len(data.b1_by_label[name])})": values for name, values in bins.items()},
            title=f"{B1_MEAN} of greedy answers (bin lower edge, nats)",
            xlabel="mean token entropy (nats)",
            ylabel="questions",
        )
        self.query_one("#coverage-plot", LinePlot).show(
            {_short_signal(name): curve for name, curve in data.coverage.items()},
            title="Accuracy of the most certain questions kept",
            xlabel="coverage (%)",
            ylabel="accuracy",
            ylim=(0.0, 1.0),
        )

    def action_tab(self, tab: str) -> None:
        """Show one tab."""
        if tab in _TABS:
            self.query_one(TabbedContent).active = tab

    def action_explore(self) -> None:
        """Open the question explorer of this run."""
        from homog_local.tui.screens.explorer import ExplorerScreen

        self.app.push_screen(ExplorerScreen(self.run_id))


def _short_signal(name: str) -> str:
    kind, _, method = name.partition(":")
    return f"{kind}:{short_method(method)}" if method else kind
