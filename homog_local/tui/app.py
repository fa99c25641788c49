"""The Textual app: screens, global bindings, theme, and the ``run_app`` entry point."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

from textual.app import App
from textual.binding import Binding

from homog_local.dirs import data_dir
from homog_local.errors import ConfigError, HomogError
from homog_local.runner import RunEngine
from homog_local.store import Store, open_store
from homog_local.tui.jobs import RunJobs
from homog_local.tui.log_handler import PaneLogHandler
from homog_local.tui.screens.help import HelpScreen
from homog_local.tui.screens.runs import RunsScreen
from homog_local.tui.services import TuiServices

__all__ = ["HomogApp", "create_app", "run_app"]

log = logging.getLogger(__name__)

_LOGGER_NAME = "homog_local"
LOG_FILE_NAME = "tui.log"


class HomogApp(App[int]):
    """homog-local's terminal UI; build it with :func:`create_app`.

    Parameters
    ----------
    services : TuiServices
        Store, engine, jobs, clock and log handler shared by every screen.
    log_level : int, default logging.INFO
        Level of the ``homog_local`` loggers while the app runs.
    log_file : Path or None
        File that receives the same records as the log panes.
    """

    CSS_PATH = "app.tcss"
    TITLE = "homog-local"
    BINDINGS = [
        Binding("question_mark", "help", "Help"),
        Binding("f1", "help", "Help", show=False),
        Binding("ctrl+t", "toggle_theme", "Theme"),
        Binding("ctrl+q", "quit", "Quit"),
    ]

    def __init__(
        self,
        services: TuiServices,
        log_level: int = logging.INFO,
        log_file: Path | None = None,
    ) -> None:
        super().__init__()
        self.services = services
        self._log_level = log_level
        self._log_file = log_file
        self._saved_logging: tuple[list[logging.Handler], int, bool] | None = None

    def on_mount(self) -> None:
        """Route logs to the panes and the file, then show the runs."""
        self._attach_logging()
        self.push_screen(RunsScreen())

    def on_unmount(self) -> None:
        """Stop in-process runs between samples and restore logging."""
        self.services.jobs.cancel_all()
        self._detach_logging()

    def action_help(self) -> None:
        """Show the help screen."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        """Switch between the dark and the light theme."""
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    async def action_quit(self) -> None:
        """Ask running runs to stop after their current sample, then exit."""
        self.services.jobs.cancel_all()
        self.exit(0)

    def _attach_logging(self) -> None:
        # Handlers that write to the terminal (the CLI's stderr handler) would
        # draw over the screen, so they are replaced while the app runs.
        logger = logging.getLogger(_LOGGER_NAME)
        self._saved_logging = (list(logger.handlers), logger.level, logger.propagate)
        handlers: list[logging.Handler] = [self.services.log_handler]
        if self._log_file is not None:
            try:
                file_handler = logging.FileHandler(self._log_file, encoding="utf-8")
            except OSError as error:
                self.notify(
                    f"cannot write the log file {self._log_file}: {error}", severity="warning"
                )
            else:
                file_handler.setFormatter(
                    logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
                )
                handlers.append(file_handler)
        logger.handlers[:] = handlers
        logger.setLevel(self._log_level)
        logger.propagate = False

    def _detach_logging(self) -> None:
        if self._saved_logging is None:
            return
        logger = logging.getLogger(_LOGGER_NAME)
        for handler in logger.handlers:
            if handler is not self.services.log_handler:
                handler.close()
        handlers, level, propagate = self._saved_logging
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate
        self._saved_logging = None


def create_app(
    store: Store | None = None,
    engine: RunEngine | None = None,
    clock: Callable[[], float] = time.monotonic,
    *,
    log_level: int = logging.INFO,
    log_file: Path | None = None,
    export_dir: Path | None = None,
) -> HomogApp:
    """Build the app around a store and an engine; tests inject fakes.

    Parameters
    ----------
    store : Store, optional
        Database of runs; default: :func:`homog_local.store.open_store`.
    engine : RunEngine, optional
        Run engine; default: a real one over ``store``.
    clock : callable, default time.monotonic
        Monotonic clock (seconds) for speeds of runs watched from the store.
    log_level : int, default logging.INFO
        Level of the ``homog_local`` loggers while the app runs.
    log_file : Path, optional
        Log file; default: ``tui.log`` in the data directory.
    export_dir : Path, optional
        Where summaries are exported; default: ``exports`` in the data directory.

    Returns
    -------
    HomogApp
    """
    store = store if store is not None else open_store()
    engine = engine if engine is not None else RunEngine(store)
    services = TuiServices(
        store=store,
        engine=engine,
        jobs=RunJobs(engine),
        log_handler=PaneLogHandler(),
        export_dir=export_dir if export_dir is not None else data_dir() / "exports",
        clock=clock,
    )
    return HomogApp(
        services,
        log_level=log_level,
        log_file=log_file if log_file is not None else data_dir() / LOG_FILE_NAME,
    )


def run_app(args: argparse.Namespace) -> int:
    """Open the TUI with the CLI's global options and return the exit code.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``homog`` arguments: ``verbose`` and ``quiet``, plus ``db``
        (a database path) when ``homog tui --db PATH`` gave one.

    Returns
    -------
    int
        0 after a normal exit; 1 when the database cannot be opened (2 when
        the path is not a usable SQLite file).
    """
    verbose = int(getattr(args, "verbose", 0) or 0)
    quiet = bool(getattr(args, "quiet", False))
    level = logging.WARNING if quiet else logging.INFO
    if verbose >= 2:
        level = logging.DEBUG
    db_path = getattr(args, "db", None)
    try:
        store = open_store(db_path)
    except ConfigError as error:
        print(f"homog: error: {error}", file=sys.stderr)
        return 2
    except HomogError as error:
        print(f"homog: error: {error}", file=sys.stderr)
        return 1
    try:
        result = create_app(store, log_level=level).run()
    finally:
        store.close()
    return int(result or 0)
