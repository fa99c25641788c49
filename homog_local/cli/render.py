"""Rich tables of run summaries, shared by ``homog run`` and ``homog runs show``."""

from __future__ import annotations

import math

from rich.console import Console, Group
from rich.table import Table

from homog_local.metrics import AurocResult
from homog_local.report import RunSummary
from homog_local.store import RunRecord

__all__ = ["format_auroc", "print_runs", "print_summary"]


def format_auroc(result: AurocResult) -> str:
    """Format an AUROC as ``0.612 [0.551, 0.670] n+=40 n−=55``, or ``undefined (…)``."""
    counts = f"n+={result.n_positive} n−={result.n_negative}"
    if math.isnan(result.value):
        return f"undefined ({counts})"
    text = f"{result.value:.3f}"
    if not math.isnan(result.ci_low):
        text += f" [{result.ci_low:.3f}, {result.ci_high:.3f}]"
    if result.note:
        text += f" {result.note}"
    return f"{text} {counts}"


def _format_ci(value: float, low: float, high: float, percent: bool = True) -> str:
    if math.isnan(value):
        return "undefined"
    scale = 100.0 if percent else 1.0
    unit = " %" if percent else ""
    return f"{value * scale:.1f}{unit} [{low * scale:.1f}, {high * scale:.1f}]"


# Signals of the end-of-run table; `homog report` lists every stored signal.
_CORE_SIGNAL_PREFIXES = ("b1_", "n_clusters:", "semantic_entropy:")


def print_summary(summary: RunSummary, console: Console, *, core_only: bool = False) -> None:
    """Print the SCR table, the AUROC table and the run's location.

    With ``core_only``, the AUROC table keeps B1, the number of clusters and
    semantic entropy, and a line counts the other signals.
    """
    run = summary.run
    scr = Table(title=f"Run {run.id}: response homogenization "
                f"({run.n_done}/{run.n_questions} questions, N={run.settings['n_samples']})")
    scr.add_column("clusterer")
    scr.add_column("SCR [95 % bootstrap CI]", justify="right")
    scr.add_column("single-cluster", justify="right")
    scr.add_column("mean clusters", justify="right")
    for row in summary.scr:
        scr.add_row(row.method, _format_ci(row.scr.value, row.scr.ci_low, row.scr.ci_high),
                    f"{row.scr.n_true}/{row.scr.n}", f"{row.mean_clusters:.2f}")

    subsets = list(dict.fromkeys(row.subset for row in summary.signals))
    aurocs = Table(title="AUROC [95 % CI] (incorrect = positive; higher score = more uncertain)")
    # Long signal names wrap instead of being cut, so narrow terminals keep rows apart.
    aurocs.add_column("signal", overflow="fold")
    for subset in subsets:
        aurocs.add_column("all labelled" if subset == "all" else subset.replace(":", "\n", 1),
                          justify="right")
    by_signal: dict[str, dict[str, str]] = {}
    hidden: set[str] = set()
    for row in summary.signals:
        if core_only and not row.signal.startswith(_CORE_SIGNAL_PREFIXES):
            hidden.add(row.signal)
            continue
        by_signal.setdefault(row.signal, {})[row.subset] = format_auroc(row.auroc)
    for signal, cells in by_signal.items():
        aurocs.add_row(signal, *(cells.get(subset, "") for subset in subsets))

    d = summary.b1_cohens_d
    d_text = (f"{d.value:.3f}" if not math.isnan(d.value)
              else f"undefined ({d.undefined_reason})")
    lines = [
        f"labels by {summary.primary_judge or 'no judge'}: {summary.n_correct} correct, "
        f"{summary.n_incorrect} incorrect, {summary.n_ambiguous} ambiguous (left out of AUROC)",
        f"Cohen's d of B1 (incorrect vs correct): {d_text}",
        f"empty answers kept and flagged: {summary.n_empty_answers}",
        f"status: {run.status}; database: {summary.db_path} (run id {run.id})",
    ]
    if hidden:
        lines.insert(0, f"{len(hidden)} more signals (graph, lexical, likelihood-weighted): "
                     f"homog report {run.id}")
    console.print(Group(scr, aurocs, *lines))


def print_runs(runs: list[RunRecord], console: Console) -> None:
    """Print one row per stored run."""
    table = Table(title="Stored runs")
    columns = ("id", "status", "model", "dataset", "done", "N", "T", "sampler", "created (UTC)")
    for column in columns:
        table.add_column(column)
    for run in runs:
        settings = run.settings
        table.add_row(
            str(run.id), run.status, run.model_name, run.dataset,
            f"{run.n_done}/{run.n_questions}", str(settings.get("n_samples")),
            f"{settings.get('sampler_params', {}).get('temperature', '')}",
            str(settings.get("sampler")), run.created_utc[:19].replace("T", " "),
        )
    console.print(table)
