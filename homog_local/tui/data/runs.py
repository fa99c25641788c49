"""Rows of the runs table: each stored run with its single-cluster rate per clusterer."""

from __future__ import annotations

from dataclasses import dataclass

from homog_local.store import RunRecord, Store
from homog_local.tui.data.formatting import format_decoding

__all__ = ["RunRow", "load_run_rows", "run_decoding", "run_n_samples", "run_temperature"]


@dataclass(frozen=True)
class RunRow:
    """One stored run with its homogenization so far.

    Parameters
    ----------
    run : RunRecord
        The stored run.
    scr : dict of str to float
        Single-cluster rate over the finished questions, per clusterer method.
    mean_clusters : dict of str to float
        Mean number of clusters over the finished questions, per method.
    """

    run: RunRecord
    scr: dict[str, float]
    mean_clusters: dict[str, float]


def load_run_rows(store: Store) -> list[RunRow]:
    """Read every run, newest first, with its SCR and mean cluster count per method."""
    rows = []
    for run in store.list_runs():
        counts: dict[str, list[int]] = {}
        for by_method in store.clusters(run.id).values():
            for method, record in by_method.items():
                counts.setdefault(method, []).append(record.n_clusters)
        scr = {m: sum(1 for c in v if c == 1) / len(v) for m, v in sorted(counts.items())}
        mean = {m: sum(v) / len(v) for m, v in sorted(counts.items())}
        rows.append(RunRow(run, scr, mean))
    return rows


def run_temperature(run: RunRecord) -> float | None:
    """Return the sampling temperature stored with a run, or None when absent."""
    params = run.settings.get("sampler_params", {})
    value = params.get("temperature") if isinstance(params, dict) else None
    return float(value) if value is not None else None


def run_n_samples(run: RunRecord) -> int | None:
    """Return N, the sampled answers per question, stored with a run."""
    value = run.settings.get("n_samples")
    return int(value) if value is not None else None


def run_decoding(run: RunRecord) -> str | None:
    """Describe the decoding settings stored with a run, or None when they are absent.

    Runs stored before the settings had a decode mode have none of these keys.
    """
    settings = run.settings
    if "decode" not in settings:
        return None
    return format_decoding(
        settings["decode"],
        settings.get("parallel", "?"),
        settings.get("group_size", "?"),
        settings.get("flash_attn", False),
        settings.get("kv_type", "?"),
    )
