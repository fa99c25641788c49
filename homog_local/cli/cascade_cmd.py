"""``homog cascade RUN_ID``: cost-ordered cascade of stored signals, in-sample and held out."""

from __future__ import annotations

import argparse
import logging
import math
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from homog_local.analysis.render import format_metric, to_jsonable
from homog_local.cascade.grid import CascadeSetting
from homog_local.cascade.rules import RuleKind
from homog_local.cli.common import add_db_option, open_db, print_json, stdout_console
from homog_local.density import B2_SIGNAL
from homog_local.errors import ConfigError
from homog_local.evaluation import (
    CascadeReport,
    PairCascade,
    build_cascade_report,
    default_stages,
    load_run_data_with_b2,
)
from homog_local.signals import B1_MEAN

__all__ = ["cascade_document", "parse_stages", "register"]

log = logging.getLogger(__name__)

_ALIASES = {"b1": B1_MEAN, "b2": B2_SIGNAL}
_RULES = {
    "median-band": (RuleKind.MEDIAN_BAND,),
    "threshold": (RuleKind.THRESHOLD,),
    "both": (RuleKind.MEDIAN_BAND, RuleKind.THRESHOLD),
}
# Grid rows shown without --full-grid: parameters on a 0.1 step, plus matched settings.
_SHOWN_STEP = 0.1


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``cascade`` subcommand."""
    parser = subparsers.add_parser(
        "cascade",
        help="cascade of stored signals ordered by measured cost: savings at matched quality",
        description="Order the stages by measured cost (B1, B2, sampling signals, NLI "
        "signals), evaluate a two-stage cascade between each pair of neighbouring stages "
        "over a grid of escalation rules, and report escalation rate, cost, AUROC, the "
        "saving at 99 % of the all-stages AUROC, held-out figures, stage correlations and "
        "accuracy at each coverage.",
    )
    parser.add_argument("run_id", type=int, metavar="RUN_ID", help="run id from `homog runs list`")
    parser.add_argument(
        "--stages", metavar="NAME,...",
        help="stored signals to chain, e.g. b1,b2,semantic_entropy:jaccard@0.4 (b1 and b2 are "
        "short for the B1 mean entropy and B2 density); default: B1, B2, the cheapest "
        "semantic entropy and the cheapest NLI signal when stored",
    )  # fmt: skip
    parser.add_argument("--rule", choices=sorted(_RULES), default="both",
                        help="escalation rule to show; the first one shown gives the cascade's "
                        "coverage table (default: %(default)s)")
    parser.add_argument("--splits", type=int, default=20,
                        help="seeded calibration/held-out splits (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the first split (default: %(default)s)")
    parser.add_argument("--full-grid", action="store_true",
                        help="show every grid setting, not only a 0.1 step and the matched ones")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    add_db_option(parser)
    parser.set_defaults(func=_cascade)


def parse_stages(text: str) -> list[str]:
    """Split ``--stages`` and expand the ``b1``/``b2`` short names."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    return [_ALIASES.get(name.lower(), name) for name in names]


def _stage_table(report: CascadeReport) -> Table:
    table = Table(title=f"Stages, cheapest first (cost unit: {report.cost_unit})",
                  title_justify="left")
    for column in ("#", "signal", "extra s/q", "cumulative s/q"):
        table.add_column(column, justify="left" if column == "signal" else "right")
    for i, stage in enumerate(report.stages, start=1):
        known = "" if stage.cost_known else " ?"
        table.add_row(str(i), stage.signal, f"{stage.marginal_s:.3f}{known}",
                      f"{stage.cumulative_s:.3f}{known}")
    return table


def _shown(setting: CascadeSetting, matched: set[int], full: bool) -> bool:
    on_step = abs(setting.parameter / _SHOWN_STEP - round(setting.parameter / _SHOWN_STEP)) < 1e-9
    return full or on_step or id(setting) in matched


def _grid_table(pair: PairCascade, index: int, rules: tuple[RuleKind, ...], full: bool) -> Table:
    grid = pair.grid
    table = Table(
        title=f"Cascade {index}\u2192{index + 1}: {pair.cheap} \u2192 {pair.costly} (in-sample, "
        f"weight w={grid.parallel.weight:.2f}; * = cheapest reaching "
        f"{grid.quality_fraction:.0%} of all-stages AUROC)",
        title_justify="left",
    )
    for column in ("rule", "param", "escalated", "cost vs pair", "cost vs all", "AUROC", "*"):
        table.add_column(column, justify="left" if column == "rule" else "right")
    matched = {id(s) for _, s in grid.matched if s is not None}
    for s in grid.settings:
        if s.rule not in rules or not _shown(s, matched, full):
            continue
        table.add_row(
            s.rule.value, f"{s.parameter:.2f}", format_metric(s.escalation_rate, percent=True),
            format_metric(s.relative_cost, digits=3), format_metric(pair.cost_vs_all(s), digits=3),
            format_metric(s.auroc, n_positive=grid.n_positive, n_negative=grid.n_negative,
                          digits=3),
            "*" if id(s) in matched else "",
        )  # fmt: skip
    return table


def _pair_summary(pair: PairCascade, rules: tuple[RuleKind, ...]) -> Text:
    grid = pair.grid
    if grid.undefined_reason:
        return Text(f"cascade undefined: {grid.undefined_reason}")
    lines = [
        f"AUROC: {pair.cheap} {format_metric(grid.cheap_auroc, digits=3)}, {pair.costly} "
        f"{format_metric(grid.costly_auroc, digits=3)}, all stages "
        f"{format_metric(grid.parallel.auroc, digits=3)}"
    ]
    for rule in rules:
        s = grid.matched_for(rule)
        if s is None:
            lines.append(f"{rule.value} (in-sample): no setting reaches the quality target")
            continue
        lines.append(
            f"{rule.value} (in-sample): param {s.parameter:.2f}, escalation "
            f"{s.escalation_rate:.1%}, AUROC {s.auroc:.3f}; saving at matched quality "
            f"{1 - s.relative_cost:.1%} of the pair's cost; cost {pair.cost_vs_all(s):.3f} of "
            "all stages"
        )
    held_out = pair.held_out
    if held_out.undefined_reason:
        lines.append(f"median_band (held out): undefined, {held_out.undefined_reason}")
    else:
        stats = held_out.stats
        lines.append(
            f"median_band (held out, {held_out.n_splits} splits, mean \u00b1 SD): AUROC "
            f"{_spread(stats['cascade_auroc'])}, escalation "
            f"{_spread(stats['escalation_rate'], percent=True)}, saving "
            f"{_spread(stats['saving'], percent=True)}; no band matched in {held_out.n_unmatched} "
            "splits"
        )
    if grid.fragile:
        lines.append(f"FRAGILE: {grid.fragility_note}")
    return Text("\n".join(lines))


def _spread(stat: Any, percent: bool = False) -> str:
    if math.isnan(stat.mean):
        return "undefined"
    if percent:
        sd = "" if math.isnan(stat.std) else f" \u00b1 {100 * stat.std:.1f}"
        return f"{100 * stat.mean:.1f}{sd} %"
    sd = "" if math.isnan(stat.std) else f" \u00b1 {stat.std:.3f}"
    return f"{stat.mean:.3f}{sd}"


def _correlation_table(report: CascadeReport) -> Table:
    table = Table(title="Correlation between stage scores", title_justify="left")
    for column in ("stages", "Pearson", "Spearman"):
        table.add_column(column, justify="left" if column == "stages" else "right")
    number = {stage.signal: i for i, stage in enumerate(report.stages, start=1)}
    for c in report.correlations:
        table.add_row(f"{number[c.a]} vs {number[c.b]}", format_metric(c.pearson.value, digits=3),
                      format_metric(c.spearman.value, digits=3))
    return table


def _coverage_table(report: CascadeReport) -> Table:
    table = Table(title="Accuracy of the most certain answers at each coverage "
                  "(columns: stage numbers, i\u2192j: cascade at its matched setting)",
                  title_justify="left")
    table.add_column("coverage", justify="right")
    number = {stage.signal: str(i) for i, stage in enumerate(report.stages, start=1)}
    for pair in report.pairs:
        number[f"cascade {pair.cheap} \u2192 {pair.costly}"] = (
            f"{number[pair.cheap]}\u2192{number[pair.costly]}"
        )
    for name, _ in report.coverage:
        table.add_column(number.get(name, name), justify="right")
    if not report.coverage:
        return table
    for i, row in enumerate(report.coverage[0][1]):
        cells = [format_metric(rows[i].accuracy, percent=True) for _, rows in report.coverage]
        table.add_row(f"{100 * row.coverage:.0f} %", *cells)
    return table


def cascade_document(report: CascadeReport) -> dict[str, Any]:
    """Return the JSON document of a cascade report, with each matched setting's cost vs all."""
    document = to_jsonable(report)
    for pair, entry in zip(report.pairs, document["pairs"], strict=True):
        entry["matched_cost_vs_all"] = {
            rule.value: (None if s is None else to_jsonable(pair.cost_vs_all(s)))
            for rule, s in pair.grid.matched
        }
        entry["in_sample"] = True
    return {"command": "cascade", **document}


def _cascade(args: argparse.Namespace) -> int:
    if args.splits < 1:
        raise ConfigError("--splits", args.splits, "use a positive integer, e.g. 20")
    store = open_db(args)
    stages = parse_stages(args.stages) if args.stages else None
    wants_b2 = stages is None or B2_SIGNAL in stages
    data, outcome, error = load_run_data_with_b2(
        store, args.run_id, compute_b2=wants_b2, required=stages is not None and wants_b2
    )
    chosen = stages if stages is not None else default_stages(data)
    rules = _RULES[args.rule]
    report = build_cascade_report(data, chosen, rules=rules, n_splits=args.splits, seed=args.seed)
    if args.json:
        document = cascade_document(report)
        document["b2"] = {"outcome": to_jsonable(outcome), "error": error}
        print_json(document)
        return 0
    parts: list[Any] = [Text(
        f"Run {report.run_id}: {report.n_questions} labelled questions with every stage "
        f"defined ({report.n_positive} incorrect, {report.n_negative} correct; "
        f"{report.n_left_out} left out); splits {report.n_splits}, seed {report.seed}"
        + (f"\nB2 left out: {error}" if error else "")
    ), _stage_table(report)]  # fmt: skip
    for i, pair in enumerate(report.pairs, start=1):
        parts.append(_grid_table(pair, i, rules, args.full_grid))
        parts.append(_pair_summary(pair, rules))
    parts.extend([_correlation_table(report), _coverage_table(report)])
    stdout_console().print(Group(*parts))
    return 0
