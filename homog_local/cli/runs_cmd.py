"""``homog runs``: list, show and delete stored runs."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from homog_local.cli.common import add_db_option, open_db, print_json, stdout_console
from homog_local.cli.render import print_runs, print_summary
from homog_local.report import summarize_run, summary_to_json

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``runs`` subcommand group."""
    parser = subparsers.add_parser("runs", help="list, show and delete stored runs",
                                   description="Inspect the runs stored in the database.")
    group = parser.add_subparsers(dest="runs_command", metavar="ACTION", required=True)

    listing = group.add_parser("list", help="one line per stored run",
                               description="List stored runs, newest first.")
    listing.add_argument("--json", action="store_true", help="print a JSON list on stdout")
    add_db_option(listing)
    listing.set_defaults(func=_list)

    show = group.add_parser("show", help="summary of one run: SCR, AUROCs with CIs",
                            description="Summarise one stored run from its finished questions.")
    show.add_argument("run_id", type=int, metavar="RUN_ID", help="run id from `homog runs list`")
    show.add_argument("--resamples", type=int, default=10_000,
                      help="bootstrap resamples for the CIs (default: 10000)")
    show.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    add_db_option(show)
    show.set_defaults(func=_show)

    delete = group.add_parser("delete", help="delete a run and all its results",
                              description="Delete a run with its samples, clusters and labels.")
    delete.add_argument("run_id", type=int, metavar="RUN_ID", help="run id to delete")
    delete.add_argument("--yes", action="store_true", help="confirm the deletion")
    add_db_option(delete)
    delete.set_defaults(func=_delete)


def _list(args: argparse.Namespace) -> int:
    runs = open_db(args).list_runs()
    if args.json:
        print_json([dataclasses.asdict(run) for run in runs])
    elif not runs:
        print("no runs stored yet; start one with `homog run`", file=sys.stderr)
    else:
        print_runs(runs, stdout_console())
    return 0


def _show(args: argparse.Namespace) -> int:
    store = open_db(args)
    summary = summarize_run(store, args.run_id, n_resamples=args.resamples)
    if args.json:
        print_json(summary_to_json(summary))
        return 0
    console = stdout_console()
    print_summary(summary, console)
    events = store.events(args.run_id)
    run_events = [row for row in events if row["qid"] is None]
    n_question_events = len(events) - len(run_events)
    if run_events or n_question_events:
        console.print("events:", highlight=False)
        for row in run_events:
            console.print(f"  {row['created_utc'][:19]} {row['level']} {row['kind']}: "
                          f"{row['message']}", highlight=False, markup=False)
        if n_question_events:
            console.print(f"  and {n_question_events} event(s) of single questions "
                          "(empty answers and similar)", highlight=False)
    return 0


def _delete(args: argparse.Namespace) -> int:
    store = open_db(args)
    run = store.get_run(args.run_id)
    if not args.yes:
        print(f"run {run.id} ({run.model_name} on {run.dataset}, {run.n_done} questions) was "
              "not deleted; add --yes to confirm", file=sys.stderr)
        return 2
    store.delete_run(run.id)
    print(f"deleted run {run.id}", file=sys.stderr)
    return 0
