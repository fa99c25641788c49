"""``homog tui``: open the interactive terminal UI (also what ``homog`` alone does)."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``tui`` command to the ``homog`` parser.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``homog`` parser's subcommand group.
    """
    parser = subparsers.add_parser(
        "tui",
        help="open the interactive terminal UI",
        description="Open the terminal UI: start, watch, resume and compare runs, and "
        "explore results. `homog` with no command opens it with the default database.",
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        metavar="PATH",
        help="SQLite database of runs (default: $HOMOG_DB or homog.sqlite in the data "
        "directory, $HOMOG_HOME)",
    )
    parser.set_defaults(func=_open_tui)


def _open_tui(args: argparse.Namespace) -> int:
    from homog_local.tui.app import run_app

    return run_app(args)
