"""Render analysis reports as rich tables or one JSON-ready dict.

The table builders take report records only, so the same functions serve
``homog analyze FILE`` and the store-backed report commands.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import math
from typing import Any

import numpy as np
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from homog_local.analysis.report import AnalysisReport
from homog_local.cascade.grid import CascadeGrid
from homog_local.cascade.heldout import HELD_OUT_FIELDS, HeldOutSummary
from homog_local.cascade.paper import PaperCascadeReport
from homog_local.cascade.rules import RuleKind

__all__ = [
    "cascade_summary",
    "cascade_table",
    "coverage_table",
    "format_ci",
    "format_metric",
    "held_out_table",
    "pairwise_table",
    "paper_table",
    "render_report",
    "report_renderables",
    "signal_table",
    "to_jsonable",
]

log = logging.getLogger(__name__)


def format_metric(
    value: float,
    *,
    n_positive: int | None = None,
    n_negative: int | None = None,
    digits: int = 4,
    percent: bool = False,
) -> str:
    """Format a metric, writing NaN as ``undefined (n+=…, n−=…)`` and never as "nan"."""
    if value is None or math.isnan(value):
        if n_positive is None or n_negative is None:
            return "undefined"
        return f"undefined (n+={n_positive}, n\u2212={n_negative})"
    if percent:
        return f"{100 * value:.{max(digits - 3, 1)}f} %"
    return f"{value:.{digits}f}"


def format_ci(low: float, high: float, digits: int = 4) -> str:
    """Format a CI as ``[low, high]``, or ``undefined`` when a bound is NaN."""
    if math.isnan(low) or math.isnan(high):
        return "undefined"
    return f"[{low:.{digits}f}, {high:.{digits}f}]"


def signal_table(report: AnalysisReport) -> Table:
    """Build the per-signal table: AUROC with CI, PRR, AURC, ECE, Brier, rate."""
    level = f"{100 * report.level:g} % CI"
    table = Table(title=f"Signals ({report.n_questions} questions; incorrect = positive)")
    for column in ("signal", "n", "failed", "AUROC", level, "PRR", "AURC", "ECE", "Brier", "d"):
        table.add_column(column, justify="left" if column == "signal" else "right")
    table.add_column("rate", justify="right")
    for s in report.signals:
        n_pos, n_neg = s.auroc.n_positive, s.auroc.n_negative
        auroc_text = format_metric(s.auroc.value, n_positive=n_pos, n_negative=n_neg)
        if s.auroc.note:
            auroc_text += f" ({s.auroc.note})"
        rate = "" if s.rate is None else format_metric(s.rate.value, percent=True)
        table.add_row(
            s.name,
            str(s.n),
            str(s.n_failed),
            auroc_text,
            format_ci(s.auroc.ci_low, s.auroc.ci_high),
            format_metric(s.prr.value, n_positive=n_pos, n_negative=n_neg),
            format_metric(s.prr.aurc),
            format_metric(s.calibration.ece),
            format_metric(s.calibration.brier),
            format_metric(s.cohens_d.value, digits=3),
            rate,
        )
    return table


def coverage_table(report: AnalysisReport) -> Table:
    """Build the accuracy-at-coverage table (rows: coverage, columns: signals)."""
    table = Table(title="Accuracy of the most certain answers at each coverage")
    table.add_column("coverage", justify="right")
    for s in report.signals:
        table.add_column(s.name, justify="right")
    if not report.signals:
        return table
    for i, row in enumerate(report.signals[0].accuracy):
        cells = [format_metric(s.accuracy[i].accuracy, percent=True) for s in report.signals]
        table.add_row(f"{100 * row.coverage:.0f} %", *cells)
    return table


def pairwise_table(report: AnalysisReport) -> Table:
    """Build the signal-pair table: DeLong test, BH-adjusted p, correlations."""
    table = Table(title="Signal pairs (DeLong test, Benjamini-Hochberg over pairs)")
    for column in ("pair", "n", "AUROC diff", "p", "p (BH)", "Pearson", "Spearman"):
        table.add_column(column, justify="left" if column == "pair" else "right")
    for p in report.pairwise:
        table.add_row(
            f"{p.a} vs {p.b}",
            str(p.n),
            format_metric(p.delong.difference, n_positive=p.delong.n_positive,
                          n_negative=p.delong.n_negative),
            format_metric(p.delong.p_value),
            format_metric(p.p_adjusted),
            format_metric(p.pearson.value, digits=3),
            format_metric(p.spearman.value, digits=3),
        )  # fmt: skip
    return table


def cascade_table(grid: CascadeGrid, stages: tuple[str, ...] = ("cheap", "costly")) -> Table:
    """Build the in-sample cascade grid table with the matched settings marked."""
    cheap, costly = stages
    table = Table(
        title=f"Cascade {cheap} \u2192 {costly} (in-sample; weight w={grid.parallel.weight:.2f})",
        caption=(
            f"{cheap} AUROC {format_metric(grid.cheap_auroc)}, {costly} AUROC "
            f"{format_metric(grid.costly_auroc)}, all stages {format_metric(grid.parallel.auroc)}; "
            f"* = cheapest setting reaching {grid.quality_fraction:.0%} of the all-stages AUROC"
        ),
    )
    for column in ("rule", "parameter", "escalated", "relative cost", "AUROC", ""):
        table.add_column(column, justify="left" if column == "rule" else "right")
    matched = {id(s) for _, s in grid.matched if s is not None}
    for s in grid.settings:
        table.add_row(
            s.rule.value,
            f"{s.parameter:.2f}",
            format_metric(s.escalation_rate, percent=True),
            format_metric(s.relative_cost, digits=3),
            format_metric(s.auroc, n_positive=grid.n_positive, n_negative=grid.n_negative),
            "*" if id(s) in matched else "",
        )
    return table


def cascade_summary(grid: CascadeGrid) -> Text:
    """Describe the matched settings, savings, correlations and fragility in words."""
    lines = []
    if grid.undefined_reason:
        lines.append(f"cascade undefined: {grid.undefined_reason}")
    for kind in RuleKind:
        setting = grid.matched_for(kind)
        if setting is None:
            lines.append(f"{kind.value}: no setting reaches the quality target")
        else:
            lines.append(
                f"{kind.value}: parameter {setting.parameter:.2f}, escalation "
                f"{setting.escalation_rate:.1%}, saving at matched quality "
                f"{1 - setting.relative_cost:.1%} (in-sample)"
            )
    lines.append(
        f"stage correlation: Pearson {format_metric(grid.pearson.value, digits=3)}, "
        f"Spearman {format_metric(grid.spearman.value, digits=3)}"
    )
    if grid.fragile:
        lines.append(f"FRAGILE: {grid.fragility_note}")
    return Text("\n".join(lines))


def held_out_table(summary: HeldOutSummary) -> Table:
    """Build the held-out cascade table: mean and SD over the splits."""
    table = Table(
        title=(
            f"Cascade held out ({summary.n_splits} stratified splits, "
            f"{summary.calibration_fraction:.0%} for fitting)"
        )
    )
    for column in ("quantity", "mean", "SD", "splits"):
        table.add_column(column, justify="left" if column == "quantity" else "right")
    for name in HELD_OUT_FIELDS:
        stat = summary.stats[name]
        table.add_row(name, format_metric(stat.mean), format_metric(stat.std), str(stat.n_defined))
    return table


def paper_table(paper: PaperCascadeReport) -> Table:
    """Build the paper-compatible strategy table (B1-only, parallel, cascade)."""
    table = Table(
        title="Paper-compatible figures (trapezoid AUROC, random.Random(42) bootstrap)",
        caption=_paper_caption(paper),
    )
    for column in ("strategy", "AUROC", "95 % CI", "escalation", "setting"):
        table.add_column(column, justify="left" if column == "strategy" else "right")
    table.add_row(
        "cheap only", format_metric(paper.cheap_auroc),
        format_ci(paper.cheap_ci.ci_low, paper.cheap_ci.ci_high), "0.0 %", "",
    )  # fmt: skip
    table.add_row(
        "parallel", format_metric(paper.parallel_auroc),
        format_ci(paper.parallel_ci.ci_low, paper.parallel_ci.ci_high), "100.0 %",
        f"w={paper.weight:.2f}",
    )  # fmt: skip
    table.add_row(
        "cascade (best AUROC)", format_metric(paper.best.auroc),
        format_ci(paper.best_ci.ci_low, paper.best_ci.ci_high),
        format_metric(paper.best.escalation_rate, percent=True), f"delta={paper.best.delta:.2f}",
    )  # fmt: skip
    if paper.matched is not None:
        table.add_row(
            "cascade (99 % of parallel)", format_metric(paper.matched.auroc), "",
            format_metric(paper.matched.escalation_rate, percent=True),
            f"delta={paper.matched.delta:.2f}",
        )  # fmt: skip
    return table


def _paper_caption(paper: PaperCascadeReport) -> str:
    saving = "no delta matched" if paper.matched is None else f"saving {paper.saving:.1%}"
    text = f"{saving} at w={paper.weight:.2f}"
    if paper.near_tie_weights:
        ties = ", ".join(f"w={w:.2f}" for w, _ in paper.near_tie_weights)
        text += f"; near-tied weights (within {paper.tie_tolerance:g}): {ties}"
    for weight, row in paper.alternatives:
        other = "no delta matched" if row is None else (
            f"delta={row.delta:.2f}, saving {1 - row.escalation_rate:.1%}"
        )  # fmt: skip
        text += f"; w={weight:.2f} would give {other}"
    if paper.fragile:
        text += ". FRAGILE: the headline saving depends on floating-point rounding"
    return text


def report_renderables(report: AnalysisReport) -> list[Any]:
    """Return the rich renderables of a report, in print order."""
    excluded = ", ".join(f"{k}: {v}" for k, v in sorted(report.excluded.items())) or "none"
    parts: list[Any] = [
        Text(
            f"{report.source}: {report.n_questions} questions "
            f"({report.n_positive} incorrect, {report.n_negative} correct); "
            f"excluded rows: {excluded}; bootstrap {report.n_resamples} resamples, "
            f"seed {report.seed}"
        ),
        signal_table(report),
        coverage_table(report),
    ]
    if report.pairwise:
        parts.append(pairwise_table(report))
    if report.cascade is not None:
        parts.append(cascade_table(report.cascade, report.cascade_stages))
        parts.append(cascade_summary(report.cascade))
        if report.n_cascade_failed:
            parts.append(Text(f"{report.n_cascade_failed} questions left out: a stage failed"))
    if report.held_out is not None:
        parts.append(held_out_table(report.held_out))
    if report.paper is not None:
        parts.append(paper_table(report.paper))
    return parts


def render_report(report: AnalysisReport, console: Console | None = None) -> None:
    """Print the report's tables to ``console`` (stdout by default)."""
    (console or Console()).print(Group(*report_renderables(report)))


def to_jsonable(value: Any) -> Any:
    """Convert report records to JSON-ready values; NaN and infinities become None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k.value if isinstance(k, enum.Enum) else k): to_jsonable(v)
                for k, v in value.items()}  # fmt: skip
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
