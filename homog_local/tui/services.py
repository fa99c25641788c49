"""What every screen needs: the store, the run engine, in-process jobs, a clock, logging."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual.dom import DOMNode

from homog_local.runner import RunEngine
from homog_local.store import Store
from homog_local.tui.jobs import RunJobs
from homog_local.tui.log_handler import PaneLogHandler

__all__ = ["TuiServices", "services_of"]


@dataclass(frozen=True)
class TuiServices:
    """Dependencies of the TUI, built once by the app factory; tests pass fakes.

    Parameters
    ----------
    store : Store
        The database of runs.
    engine : RunEngine
        Creates and executes runs (real or fake backends).
    jobs : RunJobs
        Runs executing in this process.
    log_handler : PaneLogHandler
        Feeds the log panes.
    export_dir : Path
        Folder that summary exports are written to.
    clock : callable
        Monotonic clock in seconds, used for rates of runs watched from the store.
    """

    store: Store
    engine: RunEngine
    jobs: RunJobs
    log_handler: PaneLogHandler
    export_dir: Path
    clock: Callable[[], float] = time.monotonic


def services_of(node: DOMNode) -> TuiServices:
    """Return the services of the app that node belongs to."""
    services = getattr(node.app, "services", None)
    if not isinstance(services, TuiServices):
        raise TypeError("the TUI screens need an app built by homog_local.tui.app.create_app")
    return services
