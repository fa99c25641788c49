"""``homog import``: load samples generated elsewhere into a new run and cluster them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from homog_local.cli.common import add_db_option, open_db, print_json, stdout_console
from homog_local.cli.rescore_cmd import result_to_json, table_of
from homog_local.cluster.spec import ClusterSpec
from homog_local.ingest import import_jsonl
from homog_local.models import DEFAULT_EMBEDDER
from homog_local.scoring import QuestionScorer
from homog_local.scoring.rescore import rescore_run

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``import`` subcommand."""
    parser = subparsers.add_parser(
        "import",
        help="load a JSONL file of questions and samples as a new run",
        description="Create a finished run (model 'imported') from a JSONL file with one "
        'object per line: {"question": str, "samples": [str or {"text", "log_prob"}], '
        '"greedy": str, "label": "correct"|"incorrect"|"ambiguous", "id": str, '
        '"references": [str]}; only question and samples are required. The samples are then '
        "clustered and scored like a generated run.",
    )
    parser.add_argument("file", type=Path, metavar="FILE.jsonl", help="the file to import")
    parser.add_argument(
        "--cluster", action="append", metavar="SPEC",
        help="clusterer, repeatable, as for `homog rescore` "
        f"(default: jaccard@0.4 and embedding:{DEFAULT_EMBEDDER}@0.85)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    add_db_option(parser)
    parser.set_defaults(func=_handle)


def _handle(args: argparse.Namespace) -> int:
    texts = args.cluster or ["jaccard@0.4", f"embedding:{DEFAULT_EMBEDDER}@0.85"]
    specs = tuple(ClusterSpec.parse(text, DEFAULT_EMBEDDER) for text in texts)
    store = open_db(args)
    run_id = import_jsonl(store, args.file, specs)
    print(f"imported {args.file} as run {run_id}; clustering its samples", file=sys.stderr)
    scorer = QuestionScorer(store)
    try:
        result = rescore_run(store, run_id, specs, scorer)
    finally:
        scorer.close()
    if args.json:
        print_json(result_to_json(result))
    else:
        stdout_console().print(table_of(result))
    return 0
