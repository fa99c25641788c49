"""Time the full analysis of a synthetic 817-question score table.

Four signals (three continuous, one 0/1 flag), every bootstrap at 10,000
resamples, cascade grid and 20 held-out splits. Goal: at most 3 s.
Run: .venv/bin/python bench/bench_analysis.py
"""

from __future__ import annotations

import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from homog_local.analysis.report import analyze  # noqa: E402
from homog_local.analysis.table import ScoreTable  # noqa: E402

N_QUESTIONS = 817
N_RESAMPLES = 10_000


def synthetic_table(seed: int = 0) -> ScoreTable:
    rng = np.random.default_rng(seed)
    labels = (rng.random(N_QUESTIONS) < 0.45).astype(np.int8)
    entropy = np.round(rng.gamma(2.0, 0.1, N_QUESTIONS) + 0.05 * labels, 4)
    density = rng.normal(size=N_QUESTIONS) + 0.2 * labels
    cluster_entropy = np.round(rng.integers(0, 6, N_QUESTIONS) / 5 + 0.1 * labels, 3)
    single_cluster = (rng.random(N_QUESTIONS) < 0.3).astype(float)
    density[rng.choice(N_QUESTIONS, 5, replace=False)] = np.nan  # failed signal
    return ScoreTable(
        tuple(f"q{i}" for i in range(N_QUESTIONS)),
        labels,
        {"b1": entropy, "b2": density, "se": cluster_entropy, "scr": single_cluster},
        costs={"b1": 0.0, "b2": 1.0},
        source="synthetic",
    )


def main() -> None:
    table = synthetic_table()
    warnings.simplefilter("ignore")
    analyze(table, n_resamples=200, n_splits=2)  # warm-up: imports and first calls
    for paper in (False, True):
        start = time.perf_counter()
        analyze(table, n_resamples=N_RESAMPLES, paper_compatible=paper)
        elapsed = time.perf_counter() - start
        label = "with paper-compatible mode" if paper else "default"
        print(f"full analysis, {N_QUESTIONS} questions, 4 signals, {N_RESAMPLES} resamples, "
              f"{label}: {elapsed:.2f} s")  # fmt: skip
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")


if __name__ == "__main__":
    main()
