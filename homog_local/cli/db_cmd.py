"""``homog db``: where the database is, its schema state, migrations and backups."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from homog_local.cli.common import add_db_option, open_db, print_json
from homog_local.dirs import default_db_path

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``db`` subcommand group."""
    parser = subparsers.add_parser("db", help="database path, status, migrations and backup",
                                   description="Manage the SQLite database.")
    group = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)

    path = group.add_parser("path", help="print the database path",
                            description="Print the path of the database in use.")
    add_db_option(path)
    path.set_defaults(func=_path)

    status = group.add_parser("status", help="migrations and row counts",
                              description="Print applied migrations and row counts as JSON.")
    add_db_option(status)
    status.set_defaults(func=_status)

    migrate = group.add_parser("migrate", help="apply pending migrations",
                               description="Apply pending schema migrations (opening the "
                               "database does this too).")
    add_db_option(migrate)
    migrate.set_defaults(func=_migrate)

    backup = group.add_parser("backup", help="write a consistent copy of the database",
                              description="Copy the database with SQLite's online backup.")
    backup.add_argument("destination", type=Path, metavar="FILE", help="file to write")
    add_db_option(backup)
    backup.set_defaults(func=_backup)


def _path(args: argparse.Namespace) -> int:
    print(args.db or default_db_path())
    return 0


def _status(args: argparse.Namespace) -> int:
    print_json(open_db(args).status())
    return 0


def _migrate(args: argparse.Namespace) -> int:
    status = open_db(args).status()
    print(f"{status['path']}: {len(status['migrations_applied'])} migrations applied, "
          f"{len(status['migrations_pending'])} pending", file=sys.stderr)
    return 0


def _backup(args: argparse.Namespace) -> int:
    if args.destination.exists():
        print(f"homog: error: {args.destination} exists; choose a new file name",
              file=sys.stderr)
        return 2
    open_db(args).backup(args.destination)
    print(f"wrote {args.destination}", file=sys.stderr)
    return 0
