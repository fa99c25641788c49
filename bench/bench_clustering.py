"""Clustering time per question for each clusterer against the generation time of that question.

Usage::

    .venv/bin/python bench/bench_clustering.py --limit 5 --nli MODEL [--db PATH --run RUN_ID]

Without ``--run`` it first generates a run with the default settings (N = 10
samples, 100 max tokens, smollm2-135m-instruct) into ``--db``. Each clusterer
then runs on every question's stored samples with no cache (a fresh scorer
without a store), so the times include every model call. Generation time is
the stored greedy plus sampling time of the same question.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

from homog_local.cluster.spec import ClusterSpec
from homog_local.models import DEFAULT_EMBEDDER
from homog_local.runner import RunEngine
from homog_local.scoring import QuestionScorer
from homog_local.settings import resolve_settings
from homog_local.store import Store


def _generate(store: Store, limit: int) -> int:
    engine = RunEngine(store)
    run_id = engine.create(resolve_settings({"limit": limit}))
    engine.execute(run_id)
    return run_id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("bench-clustering.sqlite"))
    parser.add_argument("--run", type=int, help="use this stored run instead of generating one")
    parser.add_argument("--limit", type=int, default=5, help="questions to generate")
    parser.add_argument("--nli", help="NLI model name or .onnx path to time")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes; the median is kept")
    args = parser.parse_args()

    store = Store(args.db)
    run_id = args.run if args.run is not None else _generate(store, args.limit)
    samples = store.samples(run_id)
    costs = store.costs(run_id)
    questions = {row["qid"]: row["text"] for row in store.questions(run_id)}
    qids = [qid for qid in questions if qid in samples]
    generation_s = [costs[q]["greedy"][0] + costs[q]["sampling"][0] for q in qids]

    texts = [f"embedding:{DEFAULT_EMBEDDER}", "embedding:paraphrase-minilm-l3", "jaccard"]
    if args.nli:
        texts += [f"nli:{args.nli}", f"nli:{args.nli}:entail:components"]
    specs = [ClusterSpec.parse(text, DEFAULT_EMBEDDER) for text in texts]

    rows = []
    for spec in specs:
        per_pass = []
        calls = 0
        for _ in range(args.repeats):
            scorer = QuestionScorer(None, graph_scores=False)
            scorer.score(["warm up the model", "load it first"], [spec], question="q")
            started = time.perf_counter()
            calls = 0
            for qid in qids:
                result = scorer.score([s.text for s in samples[qid]], [spec],
                                      question=questions[qid])
                calls += result.stats[0].n_model_calls
            per_pass.append((time.perf_counter() - started) / len(qids))
        per_question_s = statistics.median(per_pass)
        rows.append({
            "method": spec.method, "cluster_s_per_question": per_question_s,
            "model_calls_per_question": calls / len(qids),
            "ratio_to_generation": per_question_s / statistics.mean(generation_s),
        })

    report = {
        "machine": f"{platform.machine()}, {platform.processor() or 'unknown cpu'}",
        "run_id": run_id, "n_questions": len(qids),
        "n_samples": len(next(iter(samples.values()))),
        "generation_s_per_question": statistics.mean(generation_s),
        "methods": rows,
    }
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
