"""``homog analyze FILE``: metrics and cascade report of a per-question score file."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import warnings
from typing import Any

from rich.console import Console

from homog_local.analysis.render import render_report, to_jsonable
from homog_local.analysis.report import analyze
from homog_local.analysis.table import (
    DEFAULT_CORRECT_VALUES,
    DEFAULT_INCORRECT_VALUES,
    load_table,
    parse_costs,
    parse_mapping,
)
from homog_local.errors import ConfigError, DatasetError, UndefinedMetricWarning

__all__ = ["register", "run_analyze"]

log = logging.getLogger(__name__)

_EXIT_OK = 0
_EXIT_USAGE = 2


def register(subparsers: Any) -> None:
    """Add the ``analyze`` subcommand to ``subparsers``."""
    parser = subparsers.add_parser(
        "analyze",
        help="report AUROC, PRR, calibration and cascade figures of a per-question score file",
        description=(
            "Read a JSONL, CSV or JSON file with one row per question, map its columns "
            "with --map and print the metrics of every signal, DeLong tests between "
            "signals and the cascade of the first two signals (cheap first)."
        ),
    )

    parser.add_argument("file", help="per-question table (.jsonl, .csv or .json)")

    parser.add_argument(
        "--map",
        required=True,
        dest="mapping",
        metavar="NAME=COLUMN,...",
        help="columns to use: label=COLUMN (required), optional qid=COLUMN, and one "
        "NAME=COLUMN per signal in stage order; prefix a column with '-' to negate a "
        "confidence, e.g. label=label,b1=mean_entropy,b2=-density_binary",
    )

    parser.add_argument(
        "--cascade",
        metavar="CHEAP,COSTLY",
        help="signals of the two cascade stages (default: the first two mapped signals)",
    )

    parser.add_argument(
        "--cost",
        default="",
        metavar="NAME=COST,...",
        help="cost per question of each stage in one unit (seconds or tokens); "
        "default: cheap stage 0, costly stage 1",
    )

    parser.add_argument(
        "--incorrect-values",
        default=",".join(sorted(DEFAULT_INCORRECT_VALUES)),
        help="comma-separated label values meaning incorrect (default: %(default)s)",
    )

    parser.add_argument(
        "--correct-values",
        default=",".join(sorted(DEFAULT_CORRECT_VALUES)),
        help="comma-separated label values meaning correct; rows with any other label "
        "are excluded and counted (default: %(default)s)",
    )

    parser.add_argument(
        "--paper-compatible",
        action="store_true",
        help="also print the cascade figures computed exactly as in arXiv 2603.24124 "
        "(trapezoid AUROC, random.Random(42) bootstrap with 2,000 resamples)",
    )

    parser.add_argument(
        "--resamples", type=int, default=10_000, help="bootstrap resamples (default: %(default)s)"
    )

    parser.add_argument(
        "--seed", type=int, default=0, help="seed of bootstraps and splits (default: %(default)s)"
    )

    parser.add_argument(
        "--splits",
        type=int,
        default=20,
        help="calibration/held-out splits of the cascade (default: %(default)s)",
    )

    parser.add_argument("--json", action="store_true", help="print one JSON document to stdout")

    parser.set_defaults(func=run_analyze)


def _split_values(text: str) -> set[str]:
    return {v.strip().lower() for v in text.split(",") if v.strip()}


def run_analyze(args: argparse.Namespace) -> int:
    """Run ``homog analyze`` and return the exit code (0 ok, 2 bad mapping or file)."""
    try:
        if args.resamples < 1:
            raise ConfigError("--resamples", args.resamples, "use a positive integer")
        if args.splits < 1:
            raise ConfigError("--splits", args.splits, "use a positive integer")
        mapping = parse_mapping(args.mapping)
        names = [s.name for s in mapping.signals]
        costs = parse_costs(args.cost, names)
        cascade = None
        if args.cascade:
            parts = tuple(p.strip() for p in args.cascade.split(","))
            if len(parts) != 2:
                raise ConfigError("--cascade", args.cascade, "use CHEAP,COSTLY (two signals)")
            cascade = (parts[0], parts[1])
        table = load_table(
            args.file,
            mapping,
            costs=costs,
            incorrect_values=_split_values(args.incorrect_values),
            correct_values=_split_values(args.correct_values),
        )
        # Undefined metrics are shown in the report; list each reason once on stderr.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UndefinedMetricWarning)
            report = analyze(
                table,
                n_resamples=args.resamples,
                seed=args.seed,
                cascade=cascade,
                paper_compatible=args.paper_compatible,
                n_splits=args.splits,
            )
    except (ConfigError, DatasetError) as error:
        print(f"homog analyze: error: {error}", file=sys.stderr)
        return _EXIT_USAGE
    for message in dict.fromkeys(str(w.message) for w in caught):
        print(f"homog analyze: warning: {message}", file=sys.stderr)
    if args.json:
        json.dump(to_jsonable(report), sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
    else:
        render_report(report, Console(file=sys.stdout, width=140))
    return _EXIT_OK
