"""Options and helpers shared by several subcommands."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rich.console import Console

from homog_local.store import Store, open_store

__all__ = ["add_db_option", "open_db", "print_json", "stdout_console"]


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--db PATH`` to a subcommand."""
    parser.add_argument(
        "--db", metavar="PATH", default=None,
        help="SQLite database file (default: $HOMOG_DB or $HOMOG_HOME/homog.sqlite)",
    )


def open_db(args: argparse.Namespace) -> Store:
    """Open the store named by ``--db`` or the default one."""
    return open_store(getattr(args, "db", None))


def print_json(document: Any) -> None:
    """Write one JSON document to stdout."""
    json.dump(document, sys.stdout, indent=2, ensure_ascii=False, allow_nan=False)
    sys.stdout.write("\n")


def stdout_console() -> Console:
    """Return a console on stdout for data tables."""
    console = Console(file=sys.stdout, soft_wrap=False)
    if not console.is_terminal:
        # Redirected output keeps full rows instead of the 80-column default.
        console = Console(file=sys.stdout, soft_wrap=False, width=200)
    return console
