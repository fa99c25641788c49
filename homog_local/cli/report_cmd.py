"""``homog report RUN_ID``: each signal's quality and cost, SCR, and the single-cluster contrast."""

from __future__ import annotations

import argparse
import logging
import math
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from homog_local.analysis.render import format_ci, format_metric, to_jsonable
from homog_local.cli.common import add_db_option, open_db, print_json, stdout_console
from homog_local.errors import ConfigError
from homog_local.evaluation import (
    RunReport,
    SingleClusterAuroc,
    build_run_report,
    load_run_data_with_b2,
)
from homog_local.metrics.auroc import AurocResult

__all__ = [
    "add_evaluation_options",
    "auroc_cell",
    "check_evaluation_options",
    "register",
    "report_document",
    "signal_rows",
]

log = logging.getLogger(__name__)

_BY_CONSTRUCTION = "0.5 by construction (constant here)"


def add_evaluation_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--json``, ``--resamples``, ``--seed`` and ``--db`` to an evaluation command."""
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    parser.add_argument("--resamples", type=int, default=10_000,
                        help="bootstrap resamples of every CI (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of bootstraps and splits (default: %(default)s)")
    add_db_option(parser)


def check_evaluation_options(args: argparse.Namespace) -> None:
    """Raise ConfigError when ``--resamples`` is not a positive integer."""
    if args.resamples < 1:
        raise ConfigError("--resamples", args.resamples, "use a positive integer, e.g. 10000")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``report`` subcommand."""
    parser = subparsers.add_parser(
        "report",
        help="full evaluation table of a stored run: AUROC, PRR, AURC, cost, SCR",
        description="Report every stored signal of a run (AUROC with CI, PRR, AURC, accuracy "
        "at 50 % coverage, measured cost per question), the single-cluster rate per "
        "clusterer, and the AUROC of each signal on the questions whose samples form one "
        "cluster. B2 (question density) is computed first when it is missing.",
    )
    parser.add_argument("run_id", type=int, metavar="RUN_ID", help="run id from `homog runs list`")
    parser.add_argument("--no-b2", dest="b2", action="store_false",
                        help="do not compute the B2 density signal when it is missing")
    add_evaluation_options(parser)
    parser.set_defaults(func=_report)


def auroc_cell(result: AurocResult) -> str:
    """Format an AUROC as ``0.612 [0.551, 0.670]`` or ``undefined (n+=…, n−=…)``."""
    if math.isnan(result.value):
        return format_metric(result.value, n_positive=result.n_positive,
                             n_negative=result.n_negative)
    text = f"{result.value:.3f}"
    if not math.isnan(result.ci_low):
        text += f" {format_ci(result.ci_low, result.ci_high, digits=3)}"
    return text


def signal_rows(names: list[str]) -> list[tuple[str, str | None]]:
    """Return display rows: a ``SUFFIX:`` heading before each run of names sharing a suffix.

    Each item is ``(text, name)``; heading rows have ``name`` None. Names such as
    ``semantic_entropy:embedding:minilm-l6-int8@0.85`` show as their kind under
    a heading with the clusterer, so the table fits 100 columns.
    """
    rows: list[tuple[str, str | None]] = []
    current = ""
    for name in names:
        kind, _, suffix = name.partition(":")
        if suffix and suffix != current:
            rows.append((f"{suffix}:", None))
        current = suffix
        rows.append((kind, name))
    return rows


def _signal_table(report: RunReport) -> Table:
    table = Table(title="Signals on labelled questions (incorrect = positive; higher = less "
                  "certain)", title_justify="left")
    table.add_column("signal", overflow="fold")
    for column in ("n", "AUROC [95 % CI]", "PRR", "AURC", "acc@50%", "s/q (tok)"):
        table.add_column(column, justify="right", no_wrap=True)
    by_name = {row.metrics.name: row for row in report.signals}
    ordered = sorted(by_name, key=lambda n: (n.partition(":")[2] != "", n.partition(":")[2]))
    for text, name in signal_rows(ordered):
        if name is None:
            table.add_row(Text(text, style="italic dim"))
            continue
        row = by_name[name]
        m = row.metrics
        cost = "free" if row.stages == ("greedy",) else f"{row.mean_s:.3f}"
        if row.stages_without_cost:
            cost += " ?"
        table.add_row(
            text, str(m.n), auroc_cell(m.auroc),
            format_metric(m.prr.value, n_positive=m.auroc.n_positive,
                          n_negative=m.auroc.n_negative, digits=3),
            format_metric(m.prr.aurc, digits=3),
            format_metric(row.accuracy_at_50, percent=True),
            f"{cost} ({row.mean_tokens:.0f})",
        )  # fmt: skip
    return table


def _scr_table(report: RunReport) -> Table:
    table = Table(title="Single-cluster rate (SCR) per clusterer, Wilson 95 % CI",
                  title_justify="left")
    table.add_column("clusterer", overflow="fold")
    for column in ("SCR [95 % CI]", "single", "mean clusters"):
        table.add_column(column, justify="right", no_wrap=True)
    for row in report.scr:
        scr = row.scr
        text = "undefined (no questions)" if math.isnan(scr.value) else (
            f"{100 * scr.value:.1f} % [{100 * scr.ci_low:.1f}, {100 * scr.ci_high:.1f}]"
        )  # fmt: skip
        table.add_row(row.method, text, f"{scr.n_true}/{scr.n}", format_metric(
            row.mean_clusters, digits=2))
    return table


def _note(row: SingleClusterAuroc) -> str:
    note = _BY_CONSTRUCTION if row.by_construction and not math.isnan(row.auroc.value) else ""
    if row.n_undefined:
        note = (note + "; " if note else "") + f"{row.n_undefined} undefined left out"
    return note


def _single_cluster_tables(report: RunReport) -> list[Table | Text]:
    tables: list[Table | Text] = []
    for scr in report.scr:
        rows = [r for r in report.single_cluster if r.method == scr.method]
        if not rows:
            continue
        first = rows[0].auroc
        if first.n_positive + first.n_negative == 0:
            tables.append(Text(f"AUROC on the single-cluster questions of {scr.method}: "
                               "undefined (n+=0, n\u2212=0), no labelled question has one cluster"))
            continue
        table = Table(
            title=f"AUROC on the single-cluster questions of {scr.method} "
            f"(n+={first.n_positive}, n\u2212={first.n_negative})",
            title_justify="left",
        )
        table.add_column("signal", overflow="fold")
        table.add_column("AUROC [95 % CI]", justify="right", no_wrap=True)
        table.add_column("note")
        by_name = {row.signal: row for row in rows}
        ordered = sorted(by_name, key=lambda n: (n.partition(":")[2] != "", n.partition(":")[2]))
        for text, name in signal_rows(ordered):
            if name is None:
                table.add_row(Text(text, style="italic dim"))
            else:
                table.add_row(text, auroc_cell(by_name[name].auroc), _note(by_name[name]))
        tables.append(table)
    return tables


def _header(report: RunReport, b2_note: str) -> Text:
    run = report.run
    counts = report.label_counts
    labels = ", ".join(f"{counts[k]} {k}" for k in sorted(counts))
    settings = run.settings
    return Text(
        f"Run {run.id}: {run.model_name} on {run.dataset}, N={settings.get('n_samples')}, "
        f"sampler {settings.get('sampler')}, {run.n_done}/{run.n_questions} questions done\n"
        f"labels by {report.judge or 'no judge'}: {labels or 'none'}; bootstrap "
        f"{report.n_resamples} resamples, seed {report.seed}" + (f"\n{b2_note}" if b2_note else "")
    )


def report_document(report: RunReport, b2: dict[str, Any]) -> dict[str, Any]:
    """Return the JSON document of a run report; NaN becomes null next to its reason."""
    document = to_jsonable(report)
    for row, entry in zip(report.single_cluster, document["single_cluster"], strict=True):
        entry["note"] = _note(row)
    document["b2"] = b2
    return {"command": "report", **document}


def _report(args: argparse.Namespace) -> int:
    check_evaluation_options(args)
    store = open_db(args)
    data, outcome, error = load_run_data_with_b2(store, args.run_id, compute_b2=args.b2)
    report = build_run_report(data, n_resamples=args.resamples, seed=args.seed)
    b2 = {"outcome": to_jsonable(outcome), "error": error}
    if args.json:
        print_json(report_document(report, b2))
        return 0
    note = f"B2 left out: {error}" if error else ""
    if outcome is not None and outcome.n_computed:
        note = (f"B2 computed now for {outcome.n_computed} questions in {outcome.seconds:.1f} s "
                f"(k={outcome.k} over {outcome.n_dataset} dataset questions)")
    parts: list[Any] = [_header(report, note), _signal_table(report)]
    parts.append(Text("s/q (tok): mean seconds (generated tokens) per question of the stages the "
                      "signal needs; free: only the greedy answer; ?: a stage has no cost rows; "
                      "a name ending in ':' heads the signals of that clusterer"))
    parts.append(_scr_table(report))
    parts.extend(_single_cluster_tables(report))
    stdout_console().print(Group(*parts))
    return 0
