"""Generation throughput of the llama.cpp backend on the default model.

Run: .venv/bin/python bench/bench_generation.py [--questions 5] [--samples 10] [--max-tokens 100]

Prints per-question seconds for the greedy answer and the N samples, and
generated tokens per second, on the first TruthfulQA questions: once with the
samples decoded one after another, once with all N decoded in one batch.
"""

from __future__ import annotations

import argparse
import statistics
import time

from homog_local.datasets import load_dataset
from homog_local.generation import sample_seed
from homog_local.generation.llama_backend import LlamaBackend
from homog_local.models import DEFAULT_GENERATOR, ModelRole, resolve_model
from homog_local.settings import SAMPLER_PRESETS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--max-tokens", type=int, default=100)
    parser.add_argument("--sampler", default="ollama", choices=sorted(SAMPLER_PRESETS))
    args = parser.parse_args()

    entry = resolve_model(DEFAULT_GENERATOR, ModelRole.GENERATOR)
    questions = load_dataset("truthfulqa", limit=args.questions).questions
    for n_parallel in (1, args.samples):
        backend = LlamaBackend(entry.path, use_chat_template=True, n_parallel=n_parallel)
        _measure(backend, questions, args, n_parallel)
        backend.close()


def _measure(backend: LlamaBackend, questions, args: argparse.Namespace, n_parallel: int) -> None:
    per_question = []
    tokens = 0
    decode_s = 0.0
    for question in questions:
        prompt = backend.render(question.text)
        start = time.perf_counter()
        greedy = backend.greedy(prompt, args.max_tokens)
        seeds = [sample_seed(0, question.qid, i) for i in range(args.samples)]
        samples = backend.sample(prompt, SAMPLER_PRESETS[args.sampler], seeds, args.max_tokens)
        elapsed = time.perf_counter() - start
        per_question.append(elapsed)
        tokens += greedy.n_tokens + sum(s.n_tokens for s in samples)
        decode_s += elapsed
    print(f"sampler {args.sampler}, N={args.samples}, max tokens {args.max_tokens}, "
          f"{len(questions)} questions, {n_parallel} sequence(s) per batch")
    print(f"seconds per question: median {statistics.median(per_question):.2f}, "
          f"mean {statistics.mean(per_question):.2f}")
    print(f"generated tokens per second: {tokens / decode_s:.1f} ({tokens} tokens)")


if __name__ == "__main__":
    main()
