"""Runs executed inside the TUI process, each in a Textual thread worker."""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial

from textual.app import App
from textual.message import Message
from textual.message_pump import MessagePump

from homog_local.errors import HomogError
from homog_local.runner import RunEngine, RunProgress

__all__ = ["JobState", "RunJob", "RunJobs", "explain_error"]

log = logging.getLogger(__name__)


class JobState(StrEnum):
    """State of an in-process run."""

    RUNNING = "running"
    FINISHED = "finished"
    INTERRUPTED = "interrupted"
    FAILED = "failed"


@dataclass
class RunJob:
    """One run executing in this process.

    Parameters
    ----------
    run_id : int
        Run id.
    cancel : threading.Event
        Set to stop the run after the sample in flight; it stays resumable.
    state : JobState
        Current state.
    progress : RunProgress or None
        Latest progress, None before the first question is stored.
    error : str or None
        What failed and how to fix it, for failed runs.
    """

    run_id: int
    cancel: threading.Event = field(default_factory=threading.Event)
    state: JobState = JobState.RUNNING
    progress: RunProgress | None = None
    error: str | None = None
    listeners: list[MessagePump] = field(default_factory=list)

    class Progressed(Message):
        """A question of an in-process run was stored."""

        def __init__(self, progress: RunProgress) -> None:
            super().__init__()
            self.progress = progress

    class Ended(Message):
        """An in-process run finished, was interrupted or failed."""

        def __init__(self, run_id: int, state: JobState, error: str | None) -> None:
            super().__init__()
            self.run_id = run_id
            self.state = state
            self.error = error


class RunJobs:
    """Start, cancel and observe in-process runs.

    Parameters
    ----------
    engine : RunEngine
        Engine that executes runs; tests inject one with fake backends.
    """

    def __init__(self, engine: RunEngine) -> None:
        self.engine = engine
        self._jobs: dict[int, RunJob] = {}
        self._lock = threading.Lock()

    def get(self, run_id: int) -> RunJob | None:
        """Return the job of a run, or None when it never ran in this process."""
        with self._lock:
            return self._jobs.get(run_id)

    def is_running(self, run_id: int) -> bool:
        """Return whether the run is executing in this process now."""
        job = self.get(run_id)
        return job is not None and job.state is JobState.RUNNING

    def start(self, app: App[object], run_id: int, listener: MessagePump | None = None) -> RunJob:
        """Execute (or resume) a run in a thread worker and return its job.

        The new job keeps the listeners of an earlier job of the same run,
        plus ``listener`` when given.

        Raises
        ------
        RuntimeError
            When the run is already executing in this process.
        """
        with self._lock:
            previous = self._jobs.get(run_id)
            if previous is not None and previous.state is JobState.RUNNING:
                raise RuntimeError(f"run {run_id} is already running")
            job = RunJob(run_id, listeners=list(previous.listeners) if previous else [])
            if listener is not None and listener not in job.listeners:
                job.listeners.append(listener)
            self._jobs[run_id] = job
        app.run_worker(
            partial(self._execute, job),
            name=f"run-{run_id}",
            group="runs",
            thread=True,
            exit_on_error=False,
        )
        return job

    def cancel(self, run_id: int) -> bool:
        """Ask a running run to stop after the sample in flight; False when it is not running."""
        job = self.get(run_id)
        if job is None or job.state is not JobState.RUNNING:
            return False
        job.cancel.set()
        log.info("cancelling run %d after the sample in flight", run_id)
        return True

    def cancel_all(self) -> None:
        """Ask every running run to stop (used when the app exits)."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.cancel.set()

    def listen(self, run_id: int, node: MessagePump) -> RunJob | None:
        """Send the run's Progressed and Ended messages to node; None when it has no job."""
        with self._lock:
            job = self._jobs.get(run_id)
            if job is not None and node not in job.listeners:
                job.listeners.append(node)
            return job

    def unlisten(self, run_id: int, node: MessagePump) -> None:
        """Stop sending messages of a run to node."""
        job = self.get(run_id)
        if job is not None and node in job.listeners:
            job.listeners.remove(node)

    def _execute(self, job: RunJob) -> None:
        # Runs in the worker thread: touch no widget here, only post messages
        # (post_message is thread-safe).
        def on_progress(progress: RunProgress) -> None:
            job.progress = progress
            self._post(job, RunJob.Progressed(progress))

        log.info("run %d started", job.run_id)
        try:
            outcome = self.engine.execute(job.run_id, on_progress=on_progress, cancel=job.cancel)
        except Exception as error:  # noqa: BLE001 - shown to the user, never re-raised
            job.error = explain_error(error)
            job.state = JobState.FAILED
            log.error("run %d failed: %s", job.run_id, job.error)
            log.debug("run %d failure details", job.run_id, exc_info=True)
        else:
            job.state = JobState(outcome.status)
            log.info(
                "run %d %s (%d questions stored now)",
                job.run_id,
                outcome.status,
                outcome.n_done_now,
            )
        self._post(job, RunJob.Ended(job.run_id, job.state, job.error))

    @staticmethod
    def _post(job: RunJob, message: Message) -> None:
        for node in list(job.listeners):
            node.post_message(message)


def explain_error(error: BaseException) -> str:
    """Return a one-paragraph message for the user: what failed and how to fix it."""
    if isinstance(error, HomogError):
        return str(error)
    if getattr(error, "sqlite_errorname", "") in ("SQLITE_BUSY", "SQLITE_LOCKED"):
        return (
            "the database is locked by another process (waited 10 s); close the other "
            "homog process writing to it or open another file with `homog tui --db PATH`"
        )
    if isinstance(error, sqlite3.Error):
        return f"database error: {error}; `homog db status` checks the file"
    return (
        f"{type(error).__name__}: {error}; the details are in the TUI log file "
        "(tui.log in the data directory)"
    )
