"""Time ``homog report``, ``homog cascade`` and ``homog compare`` on 817-question stored runs.

Two synthetic runs are written straight into a temporary SQLite store (no
model): per question a greedy answer with token entropies, N = 10 samples,
two clusterers, B1, B2, cluster counts and semantic entropies, a label and
stage costs. Every bootstrap uses 10,000 resamples and the cascade 20
held-out splits. Goal: the report analysis in at most 3 s.
Run: .venv/bin/python bench/bench_report.py
"""

from __future__ import annotations

import math
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from homog_local.datasets import Question  # noqa: E402
from homog_local.density import B2_SIGNAL, STAGE_DENSITY  # noqa: E402
from homog_local.evaluation import (  # noqa: E402
    build_cascade_report,
    build_run_report,
    compare_runs,
    default_stages,
    load_run_data,
)
from homog_local.signals import compute_signals  # noqa: E402
from homog_local.store import QuestionResult, Store  # noqa: E402
from homog_local.store.records import (  # noqa: E402
    ClusterRecord,
    LabelRecord,
    SampleRecord,
    SignalRecord,
    StageCost,
)

N_QUESTIONS = 817
N_SAMPLES = 10
N_RESAMPLES = 10_000
METHODS = ("jaccard@0.4", "embedding:minilm-l6-int8@0.85")


def _answer(n_tokens: int, entropies: tuple[float, ...] = ()) -> SampleRecord:
    return SampleRecord("answer " * n_tokens, n_tokens, "eos", -1.0,
                        float(np.mean(entropies)) if entropies else None, False, 0.1,
                        seed=0, token_entropies=entropies,
                        max_token_entropy=max(entropies, default=None))


def _question_result(qid: str, rng: np.random.Generator, wrong: bool) -> QuestionResult:
    entropies = tuple(float(v) for v in rng.gamma(2.0, 0.1 + 0.05 * wrong, 12))
    greedy = _answer(12, entropies)
    n_distinct = int(rng.integers(1, 4 + 2 * wrong))
    clusters = tuple(
        ClusterRecord(method, "jaccard" if i == 0 else "embedding", 0.5, None,
                      tuple(int(v) for v in rng.integers(0, n_distinct, N_SAMPLES)))
        for i, method in enumerate(METHODS)
    )  # fmt: skip
    density = float(-rng.normal(0.45 - 0.05 * wrong, 0.1))
    signals = (*compute_signals(greedy, clusters), SignalRecord(B2_SIGNAL, density))
    costs = (StageCost("greedy", 0.4, 12), StageCost("sampling", 3.5, 120),
             StageCost(f"cluster:{METHODS[0]}", 0.001, 0),
             StageCost(f"cluster:{METHODS[1]}", 0.05, 0), StageCost(STAGE_DENSITY, 0.006, 0))
    label = LabelRecord("synthetic", "incorrect" if wrong else "correct", None, "", True)
    return QuestionResult(qid, "prompt", 20, greedy, tuple(_answer(10) for _ in range(N_SAMPLES)),
                          clusters, signals, (label,), costs)


def build_run(store: Store, seed: int) -> int:
    """Write one synthetic 817-question run and return its id."""
    rng = np.random.default_rng(seed)
    questions = [Question("synthetic", str(i), i, f"question {i}", ("a",))
                 for i in range(N_QUESTIONS)]
    run_id = store.create_run(
        settings={"n_samples": N_SAMPLES, "sampler": "ollama", "embedder": "minilm-l6-int8"},
        model_name="synthetic", model_path="", model_sha256="", model_kind="instruct",
        dataset="synthetic", dataset_source="", questions=questions, n_skipped_rows=0,
        seed=seed, prompt_template="", environment={},
    )  # fmt: skip
    wrong = rng.random(N_QUESTIONS) < 0.45
    for question, is_wrong in zip(questions, wrong, strict=True):
        store.save_question(run_id, _question_result(question.qid, rng, bool(is_wrong)))
    return run_id


def _timed(label: str, function, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = function(*args, **kwargs)
    print(f"{label}: {time.perf_counter() - start:.2f} s")
    return result


def main() -> None:
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.sqlite")
        first = _timed(f"write run 1 ({N_QUESTIONS} questions, N={N_SAMPLES})", build_run, store, 1)
        second = build_run(store, 2)
        build_run_report(load_run_data(store, first), n_resamples=200)  # warm-up
        data = _timed("load run 1 from SQLite", load_run_data, store, first)
        report = _timed(f"report analysis, {len(data.signals)} signals, {N_RESAMPLES} resamples",
                        build_run_report, data, n_resamples=N_RESAMPLES)
        stages = default_stages(data)
        _timed(f"cascade, stages {', '.join(stages)}, 20 splits",
               build_cascade_report, data, stages, n_splits=20)
        _timed(f"compare run 1 vs 2, {N_RESAMPLES} resamples", compare_runs, data,
               load_run_data(store, second), n_resamples=N_RESAMPLES)
        b1 = next(r for r in report.signals if r.metrics.name == "b1_mean_token_entropy")
        assert not math.isnan(b1.metrics.auroc.ci_low)
        store.close()
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")


if __name__ == "__main__":
    main()
