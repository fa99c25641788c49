"""``homog compare RUN_A RUN_B``: paired comparison of two runs on their shared questions."""

from __future__ import annotations

import argparse
import logging
import math
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from homog_local.analysis.render import format_ci, format_metric, to_jsonable
from homog_local.cli.common import open_db, print_json, stdout_console
from homog_local.cli.report_cmd import add_evaluation_options, auroc_cell, check_evaluation_options
from homog_local.evaluation import RunComparison, compare_runs, load_run_data
from homog_local.metrics.bootstrap import ProportionResult
from homog_local.metrics.paired import PairedDifference, TestResult

__all__ = ["register"]

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``compare`` subcommand."""
    parser = subparsers.add_parser(
        "compare",
        help="compare two runs on shared questions: SCR difference, paired tests, B1 AUROC",
        description="Pair two runs of the same dataset and N on their shared questions (by "
        "question id). Per clusterer in both: SCR of each run, the difference with a paired "
        "bootstrap CI, the Wilcoxon signed-rank test of cluster counts and McNemar's exact "
        "test of single-cluster flags; then B1's AUROC in each run and the paired difference. "
        "Differences are RUN_A minus RUN_B.",
    )
    parser.add_argument("run_a", type=int, metavar="RUN_A", help="first run id (e.g. base model)")
    parser.add_argument("run_b", type=int, metavar="RUN_B",
                        help="second run id (e.g. instruct model)")
    add_evaluation_options(parser)
    parser.set_defaults(func=_compare)


def _scr(result: ProportionResult) -> str:
    if math.isnan(result.value):
        return "undefined (no questions)"
    return f"{100 * result.value:.1f} % [{100 * result.ci_low:.1f}, {100 * result.ci_high:.1f}]"


def _difference(result: PairedDifference, percent: bool = False) -> str:
    if math.isnan(result.value):
        return f"undefined: {result.undefined_reason}"
    scale, unit = (100.0, " pp") if percent else (1.0, "")
    text = f"{scale * result.value:+.{1 if percent else 3}f}{unit}"
    if not math.isnan(result.ci_low):
        text += " " + format_ci(scale * result.ci_low, scale * result.ci_high,
                                digits=1 if percent else 3)
    return text


def _test(result: TestResult) -> str:
    if math.isnan(result.p_value):
        return f"undefined: {result.undefined_reason}"
    return f"p={result.p_value:.3g} (n={result.n})"


def _describe(run: Any) -> str:
    settings = run.settings
    return (f"run {run.id}: {run.model_name} ({run.model_kind}), sampler {settings.get('sampler')},"
            f" T={settings.get('sampler_params', {}).get('temperature')}, "
            f"embedder {settings.get('embedder')}")


def _clusterer_table(comparison: RunComparison) -> Table:
    a, b = comparison.run_a.id, comparison.run_b.id
    table = Table(title=f"Homogenization per clusterer (differences: run {a} \u2212 run {b})",
                  title_justify="left")
    table.add_column("clusterer", overflow="fold")
    table.add_column("statistic")
    table.add_column("value", justify="right")
    for row in comparison.clusterers:
        cells = [
            (f"SCR run {a} (Wilson 95 % CI)", _scr(row.scr_a)),
            (f"SCR run {b} (Wilson 95 % CI)", _scr(row.scr_b)),
            ("SCR difference (paired bootstrap CI)", _difference(row.difference, percent=True)),
            (f"mean clusters run {a} / run {b}",
             f"{format_metric(row.mean_clusters_a, digits=2)} / "
             f"{format_metric(row.mean_clusters_b, digits=2)}"),
            ("Wilcoxon signed-rank, cluster counts", _test(row.wilcoxon)),
            ("McNemar exact, single-cluster flags", _test(row.mcnemar)),
        ]
        for i, (statistic, value) in enumerate(cells):
            table.add_row(f"{row.method}\n({row.n} questions)" if i == 0 else "", statistic, value)
        table.add_section()
    return table


def _b1_lines(comparison: RunComparison) -> Text:
    b1 = comparison.b1
    a, b = comparison.run_a.id, comparison.run_b.id
    if b1 is None:
        return Text(f"B1 AUROC comparison undefined: {comparison.b1_reason}")
    labels = ("same labels in both runs" if b1.same_labels
              else "each run scored against its own labels")
    return Text("\n".join([
        f"B1 ({b1.signal}) on {b1.n} questions labelled in both runs ({labels}):",
        f"  AUROC run {a}: {auroc_cell(b1.auroc_a)}   run {b}: {auroc_cell(b1.auroc_b)}",
        f"  difference run {a} \u2212 run {b}: {_difference(b1.difference)}",
        f"  accuracy run {a}: {format_metric(b1.accuracy_a, percent=True)}   run {b}: "
        f"{format_metric(b1.accuracy_b, percent=True)}; McNemar {_test(b1.mcnemar)}",
    ]))  # fmt: skip


def _compare(args: argparse.Namespace) -> int:
    check_evaluation_options(args)
    store = open_db(args)
    comparison = compare_runs(load_run_data(store, args.run_a), load_run_data(store, args.run_b),
                              n_resamples=args.resamples, seed=args.seed)
    if args.json:
        print_json({"command": "compare", **to_jsonable(comparison)})
        return 0
    header = [
        f"Comparing {_describe(comparison.run_a)}",
        f"     with {_describe(comparison.run_b)}",
        f"dataset {comparison.run_a.dataset}, N={comparison.run_a.settings.get('n_samples')}, "
        f"{comparison.n_shared} shared questions (left out: {comparison.n_only_a} only in run "
        f"{comparison.run_a.id}, {comparison.n_only_b} only in run {comparison.run_b.id}); "
        f"bootstrap {comparison.n_resamples} resamples, seed {comparison.seed}",
    ]
    if comparison.decoding_differences:
        header.append(
            "warning: the runs decode differently ("
            + "; ".join(comparison.decoding_differences)
            + "), which shifts token entropies slightly; compare B1 with care"
        )
    for run, methods in ((comparison.run_a, comparison.methods_only_a),
                         (comparison.run_b, comparison.methods_only_b)):
        if methods:
            header.append(f"clusterers only in run {run.id} (not compared): {', '.join(methods)}")
    parts: list[Any] = [Text("\n".join(header)), _clusterer_table(comparison),
                        _b1_lines(comparison)]
    stdout_console().print(Group(*parts))
    return 0
