"""Question explorer: filter questions and read one question's samples, clusters and label."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Select, Static

from homog_local.tui.data.formatting import short_method
from homog_local.tui.data.questions import (
    ClusterFilter,
    QuestionFilter,
    QuestionView,
    filter_questions,
    load_questions,
)
from homog_local.tui.jobs import explain_error
from homog_local.tui.services import services_of
from homog_local.tui.widgets.entropy_answer import EntropyAnswer
from homog_local.tui.widgets.sample_clusters import SampleClusters

__all__ = ["ExplorerScreen"]

_LABELS = ("correct", "incorrect", "ambiguous", "unlabelled")
_LABEL_STYLES = {"correct": "green", "incorrect": "red", "ambiguous": "yellow"}


class ExplorerScreen(Screen[None]):
    """Finished questions of one run with filters, and the detail of the highlighted one.

    Parameters
    ----------
    run_id : int
        The run to explore.
    """

    BINDINGS = [
        Binding("k", "next_method", "Clusterer"),
        Binding("slash", "focus_search", "Search"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, run_id: int) -> None:
        super().__init__()
        self.run_id = run_id
        self._questions: list[QuestionView] = []
        self._shown: dict[str, QuestionView] = {}
        self._methods: list[str] = []
        self._method: str | None = None

    def compose(self) -> ComposeResult:
        """Build the widgets."""
        yield Header()
        with Horizontal(id="explorer-filters"):
            yield Input(placeholder="search text (/)", id="search", compact=True)
            yield Select(
                [
                    ("single-cluster", ClusterFilter.SINGLE.value),
                    ("multi-cluster", ClusterFilter.MULTI.value),
                ],
                prompt="any clusters",
                id="cluster-filter",
                compact=True,
            )
            yield Select(
                [(label, label) for label in _LABELS],
                prompt="any label",
                id="label-filter",
                compact=True,
            )
            yield Select([], prompt="any category", id="category-filter", compact=True)
        with Horizontal(id="explorer-body"):
            yield DataTable(id="question-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="question-detail"):
                yield Static("loading questions…", id="question-text")
                yield Static("Greedy answer", classes="section-title")
                yield EntropyAnswer(id="greedy-answer")
                yield Static("Samples", classes="section-title")
                yield SampleClusters(id="question-samples")
                yield Static("References", classes="section-title")
                yield Static(id="question-references")
        yield Footer()

    def on_mount(self) -> None:
        """Set up the table and load the run's questions."""
        self.sub_title = f"Run {self.run_id} explorer"
        table = self.query_one(DataTable)
        table.add_columns("#", "Cl", "Label", "Question")
        table.focus()
        self._load()

    @work(thread=True, exclusive=True, group="explorer")
    def _load(self) -> None:
        try:
            questions = load_questions(services_of(self).store, self.run_id)
        except Exception as error:  # noqa: BLE001 - reported in the UI
            self.app.call_from_thread(
                self.notify,
                explain_error(error),
                severity="error",
                title=f"Cannot read run {self.run_id}",
            )
            return
        self.app.call_from_thread(self._loaded, questions)

    def _loaded(self, questions: list[QuestionView]) -> None:
        self._questions = questions
        self._methods = sorted({m for q in questions for m in q.clusters})
        self._method = self._methods[0] if self._methods else None
        categories = sorted({q.category for q in questions if q.category})
        self.query_one("#category-filter", Select).set_options([(c, c) for c in categories])
        self._refilter()

    @on(Input.Changed, "#search")
    @on(Select.Changed)
    def _filters_changed(self) -> None:
        self._refilter()

    def _current_filter(self) -> QuestionFilter:
        clusters = self.query_one("#cluster-filter", Select).value
        label = self.query_one("#label-filter", Select).value
        category = self.query_one("#category-filter", Select).value
        return QuestionFilter(
            clusters=ClusterFilter(clusters) if clusters is not Select.NULL else ClusterFilter.ALL,
            method=self._method,
            label=str(label) if label is not Select.NULL else None,
            category=str(category) if category is not Select.NULL else None,
            search=self.query_one("#search", Input).value,
        )

    def _refilter(self) -> None:
        shown = filter_questions(self._questions, self._current_filter())
        self._shown = {q.qid: q for q in shown}
        table = self.query_one(DataTable)
        table.clear()
        for view in shown:
            primary = view.primary_label
            label = primary.label if primary is not None else "unlabelled"
            count = view.n_clusters(self._method) if self._method else None
            table.add_row(
                str(view.position + 1),
                str(count) if count is not None else "—",
                Text(label, style=_LABEL_STYLES.get(label, "")),
                " ".join(view.text.split()),
                key=view.qid,
            )
        method = short_method(self._method) if self._method else "no clusterer"
        n_done = sum(1 for q in self._questions if q.is_done)
        self.sub_title = f"Run {self.run_id} explorer: {len(shown)}/{n_done} questions, {method}"
        if shown:
            self._show_detail(shown[0])
        else:
            self._show_empty(n_done)

    @on(DataTable.RowHighlighted, "#question-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        if key is not None and key in self._shown:
            self._show_detail(self._shown[key])

    def _show_empty(self, n_done: int) -> None:
        message = (
            "No question matches these filters."
            if n_done
            else "No finished question yet; come back when the run has stored one."
        )
        self.query_one("#question-text", Static).update(message)
        self.query_one("#question-references", Static).update("")
        self.query_one(EntropyAnswer).show("", [])
        self.query_one(SampleClusters).show([], None, "")

    def _show_detail(self, view: QuestionView) -> None:
        self.query_one("#question-text", Static).update(_question_text(view))
        self.query_one("#question-references", Static).update(_references_text(view))
        greedy = view.greedy
        self.query_one(EntropyAnswer).show(
            greedy.text if greedy else "",
            greedy.token_entropies if greedy else (),
            greedy.token_texts if greedy else (),
        )
        method = self._method or ""
        record = view.clusters.get(method)
        self.query_one(SampleClusters).show(
            [s.text for s in view.samples], record.assignments if record else None, method
        )

    def action_next_method(self) -> None:
        """Switch to the next clusterer for grouping and the cluster filter."""
        if len(self._methods) < 2 or self._method is None:
            self.notify("This run has one clusterer only.")
            return
        index = self._methods.index(self._method)
        self._method = self._methods[(index + 1) % len(self._methods)]
        self.notify(f"Clusterer: {self._method}")
        self._refilter()

    def action_focus_search(self) -> None:
        """Move focus to the search box."""
        self.query_one("#search", Input).focus()


def _question_text(view: QuestionView) -> Text:
    out = Text()
    out.append(f"Q{view.position + 1} ", style="bold")
    out.append(view.text + "\n")
    if view.category:
        out.append(f"category: {view.category}\n", style="dim")
    if not view.labels:
        out.append("label: none stored\n", style="dim")
    for label in view.labels:
        role = "primary" if label.is_primary else "secondary"
        out.append(f"{label.judge} ({role}): ", style="bold")
        out.append(label.label, style=_LABEL_STYLES.get(label.label, ""))
        if label.detail:
            out.append(f": {label.detail}")
        out.append("\n")
    return out


def _references_text(view: QuestionView) -> Text:
    out = Text()
    if view.references:
        out.append("references: ", style="bold green")
        out.append("; ".join(view.references[:5]))
        if len(view.references) > 5:
            out.append(f" (+{len(view.references) - 5} more)")
        out.append("\n")
    if view.incorrect_references:
        out.append("incorrect references: ", style="bold red")
        out.append("; ".join(view.incorrect_references[:3]))
        if len(view.incorrect_references) > 3:
            out.append(f" (+{len(view.incorrect_references) - 3} more)")
        out.append("\n")
    if not view.references and not view.incorrect_references:
        out.append("none stored", style="dim")
    return out
