"""Live view of one run: progress, speed, SCR so far, the latest question and the log."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, ProgressBar, Static

from homog_local.runner import RunProgress
from homog_local.store import RunRecord, Store
from homog_local.tui.data.formatting import format_duration, short_method
from homog_local.tui.data.runs import run_n_samples, run_temperature
from homog_local.tui.jobs import JobState, RunJob, explain_error
from homog_local.tui.screens.confirm import ConfirmScreen
from homog_local.tui.services import services_of
from homog_local.tui.widgets.log_pane import LogPane
from homog_local.tui.widgets.sample_clusters import SampleClusters

__all__ = ["MonitorScreen"]

POLL_INTERVAL_S = 1.0


@dataclass(frozen=True)
class _StoreSnapshot:
    """What a poll of the store found."""

    run: RunRecord
    question: str
    samples: tuple[str, ...]
    clusters: dict[str, tuple[int, ...]]
    scr: dict[str, float]
    mean_clusters: dict[str, float]


class MonitorScreen(Screen[None]):
    """Progress of a run executing here, or of one another process writes to the same database.

    Parameters
    ----------
    run_id : int
        The run to show.
    start : bool, default False
        Execute (or resume) the run in this process on opening.
    """

    BINDINGS = [
        Binding("c", "cancel_run", "Cancel run"),
        Binding("r", "resume_run", "Resume"),
        Binding("v", "results", "Results"),
        Binding("x", "explore", "Explore"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, run_id: int, start: bool = False) -> None:
        super().__init__()
        self.run_id = run_id
        self._start = start
        self._run: RunRecord | None = None
        self._watch_origin: tuple[float, int] | None = None

    def compose(self) -> ComposeResult:
        """Build the widgets."""
        yield Header()
        yield Static(id="monitor-title")
        with Horizontal(id="monitor-progress-row"):
            yield ProgressBar(id="monitor-progress", show_eta=False)
            yield Static(id="monitor-stats")
        yield Static(id="monitor-scr")
        with VerticalScroll(id="monitor-current"):
            yield Static(id="monitor-question")
            yield SampleClusters(id="monitor-samples")
        yield LogPane(services_of(self).log_handler, id="monitor-log")
        yield Footer()

    def on_mount(self) -> None:
        """Start or attach to the run and poll the store every second."""
        self.sub_title = f"Run {self.run_id} monitor"
        jobs = services_of(self).jobs
        if self._start:
            self._start_job()
        else:
            job = jobs.listen(self.run_id, self)
            if job is not None and job.progress is not None:
                self._show_progress(job.progress)
        self.set_interval(POLL_INTERVAL_S, self._poll)
        self._poll()

    def on_unmount(self) -> None:
        """Stop receiving run messages; the run itself keeps going."""
        services_of(self).jobs.unlisten(self.run_id, self)

    def _start_job(self) -> None:
        try:
            services_of(self).jobs.start(self.app, self.run_id, listener=self)
        except RuntimeError as error:
            self.notify(str(error), severity="warning")
            return
        self._watch_origin = None
        self.query_one("#monitor-stats", Static).update("loading model…")

    def _poll(self) -> None:
        self._read_store()

    @work(thread=True, exclusive=True, group="monitor-poll")
    def _read_store(self) -> None:
        services = services_of(self)
        try:
            run = services.store.get_run(self.run_id)
            snapshot = None
            if not services.jobs.is_running(self.run_id):
                snapshot = _latest_question(services.store, run)
        except Exception as error:  # noqa: BLE001 - reported in the UI
            self.app.call_from_thread(
                self.notify,
                explain_error(error),
                severity="error",
                title=f"Cannot read run {self.run_id}",
            )
            return
        self.app.call_from_thread(self._show_store, run, snapshot)

    def _show_store(self, run: RunRecord, snapshot: _StoreSnapshot | None) -> None:
        self._run = run
        services = services_of(self)
        job = services.jobs.get(self.run_id)
        in_process = job is not None and job.state is JobState.RUNNING
        temperature = run_temperature(run)
        n_samples = run_n_samples(run)
        where = "running here" if in_process else _status_words(run.status)
        self.query_one("#monitor-title", Static).update(
            f"Run {run.id}: {run.model_name} on {run.dataset}, N={n_samples}, "
            f"T={temperature:g}, {where}"
            if temperature is not None
            else f"Run {run.id}: {run.model_name} on {run.dataset}, {where}"
        )
        bar = self.query_one(ProgressBar)
        bar.update(total=max(run.n_questions, 1), progress=run.n_done)
        if in_process:
            return
        stats = self.query_one("#monitor-stats", Static)
        if job is not None and job.progress is not None:
            # This process ran it: keep the measured speed, add how it ended.
            stats.update(f"{_progress_stats(job.progress)}; {run.status}")
        else:
            stats.update(self._watched_stats(run))
        if snapshot is not None:
            self._show_question(snapshot.question, snapshot.samples, snapshot.clusters)
            self._show_scr(snapshot.scr, snapshot.mean_clusters)

    def _watched_stats(self, run: RunRecord) -> str:
        text = f"{run.n_done}/{run.n_questions} questions"
        if run.status != "running":
            if run.status == "failed" and run.error:
                text += f"; failed: {run.error}"
            return text
        now = services_of(self).clock()
        if self._watch_origin is None:
            self._watch_origin = (now, run.n_done)
            return text + "; written by another process, measuring speed…"
        start_s, start_done = self._watch_origin
        rate = (run.n_done - start_done) / (now - start_s) if now > start_s else 0.0
        if rate <= 0:
            return text + "; written by another process"
        eta = (run.n_questions - run.n_done) / rate
        return text + f"; {rate * 60:.1f} questions/min; ETA {format_duration(eta)}"

    @on(RunJob.Progressed)
    def _progressed(self, message: RunJob.Progressed) -> None:
        self._show_progress(message.progress)

    @on(RunJob.Ended)
    def _ended(self, message: RunJob.Ended) -> None:
        if message.state is JobState.FINISHED:
            self.notify(
                f"Run {message.run_id} finished. Press v for the results.", title="Run finished"
            )
        elif message.state is JobState.INTERRUPTED:
            self.notify(
                f"Run {message.run_id} cancelled; finished questions are stored. "
                "Press r to resume.",
                title="Run interrupted",
            )
        else:
            self.notify(
                f"{message.error}\nPress r to retry after fixing it.",
                severity="error",
                title=f"Run {message.run_id} failed",
                timeout=15,
            )
        self.query_one("#monitor-stats", Static).update(_status_words(message.state.value))
        self._poll()

    def _show_progress(self, progress: RunProgress) -> None:
        self.query_one(ProgressBar).update(total=max(progress.n_total, 1), progress=progress.n_done)
        self.query_one("#monitor-stats", Static).update(_progress_stats(progress))
        self._show_scr(progress.scr, progress.mean_clusters)
        self._show_question(progress.question, progress.samples, progress.clusters)

    def _show_scr(self, scr: dict[str, float], mean_clusters: dict[str, float]) -> None:
        parts = [
            f"{short_method(m)}: SCR {scr[m]:.2f}, mean clusters {mean_clusters.get(m, 0.0):.2f}"
            for m in sorted(scr)
        ]
        text = "  │  ".join(parts) or "SCR: no question finished yet"
        self.query_one("#monitor-scr", Static).update(text)

    def _show_question(
        self, question: str, samples: tuple[str, ...], clusters: dict[str, tuple[int, ...]]
    ) -> None:
        self.query_one("#monitor-question", Static).update(f"Latest question: {question}")
        method = sorted(clusters)[0] if clusters else ""
        self.query_one(SampleClusters).show(samples, clusters.get(method), method)

    def action_cancel_run(self) -> None:
        """Stop the run after the sample in flight."""
        if services_of(self).jobs.cancel(self.run_id):
            self.notify("Cancelling after the sample in flight…")
        else:
            self.notify(f"Run {self.run_id} is not running in this window.", severity="warning")

    def action_resume_run(self) -> None:
        """Resume the run in this process."""
        services = services_of(self)
        if services.jobs.is_running(self.run_id):
            self.notify(f"Run {self.run_id} is already running.", severity="warning")
            return
        run = self._run
        if run is not None and run.n_done >= run.n_questions:
            self.notify(f"Run {self.run_id} is finished; nothing to resume.")
            return
        if run is not None and run.status == "running":
            question = (
                f"Run {self.run_id} is marked running, so another homog process may be "
                "executing it. Resume here only if none is. Resume?"
            )
            self.app.push_screen(
                ConfirmScreen(question, "Resume"), lambda yes: self._start_job() if yes else None
            )
            return
        self._start_job()

    def action_results(self) -> None:
        """Open the results of this run."""
        from homog_local.tui.screens.results import ResultsScreen

        self.app.push_screen(ResultsScreen(self.run_id))

    def action_explore(self) -> None:
        """Open the question explorer of this run."""
        from homog_local.tui.screens.explorer import ExplorerScreen

        self.app.push_screen(ExplorerScreen(self.run_id))


def _progress_stats(progress: RunProgress) -> str:
    return (
        f"{progress.n_done}/{progress.n_total} questions; "
        f"{progress.tokens_per_s:.1f} tokens/s; ETA {format_duration(progress.eta_s)}"
    )


def _status_words(status: str) -> str:
    return {
        "created": "not started; press r to start",
        "running": "running in another process",
        "interrupted": "interrupted; press r to resume",
        "failed": "failed; press r to retry",
        "finished": "finished; press v for results",
    }.get(status, status)


def _latest_question(store: Store, run: RunRecord) -> _StoreSnapshot:
    done = [row for row in store.questions(run.id) if row["done_utc"] is not None]
    clusters = store.clusters(run.id)
    counts: dict[str, list[int]] = {}
    for by_method in clusters.values():
        for method, record in by_method.items():
            counts.setdefault(method, []).append(record.n_clusters)
    scr = {m: sum(1 for c in v if c == 1) / len(v) for m, v in counts.items()}
    mean = {m: sum(v) / len(v) for m, v in counts.items()}
    if not done:
        return _StoreSnapshot(run, "", (), {}, scr, mean)
    latest = max(done, key=lambda row: (row["done_utc"], row["position"]))
    qid = latest["qid"]
    samples = tuple(s.text for s in store.samples(run.id, qid).get(qid, []))
    assignments = {m: r.assignments for m, r in clusters.get(qid, {}).items()}
    return _StoreSnapshot(run, latest["text"], samples, assignments, scr, mean)
