"""Sampling throughput: a hand-written create_completion loop against batched decoding.

Usage::

    .venv/bin/python bench/sampling.py [--models NAME,...] [--questions 10] [--samples 10]
        [--max-tokens 64] [--repeats 3] [--parallel 32] [--sampler ollama] [--json]

For each model, in one process and alternating the order of A and B in each
repeat, on the first TruthfulQA questions with the same rendered prompts and
the same seeds:

A  the loop users write by hand: llama-cpp-python's high-level ``Llama`` and
   one ``create_completion`` call per sample, with every sampler value
   passed explicitly;
B  ``LlamaBackend.generate``: every sample of every question in one call,
   decoded in ``--parallel`` slots kept full across the questions, with
   full-vocabulary entropy and log-probability per token;
B0 the same without the entropy and log-probability, to price them;
C  the ceiling: one llama.cpp batch of questions x samples x max-tokens
   tokens with logits computed for every token (what sampling needs per
   token), decoded at once.

Tokens per second count generated tokens only and include each question's
prompt evaluation. Peak RSS is the process's high-water mark during each
method, reset between methods where Linux allows it (/proc/self/clear_refs).
Both A and B load the model with llama.cpp's extra buffer types off and flash
attention off, as ``homog run`` does.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from homog_local.datasets import load_dataset
from homog_local.generation import AnswerRequest, sample_seed
from homog_local.generation.llama_backend import LlamaBackend
from homog_local.generation.native_log import install_native_log_handler
from homog_local.models import DEFAULT_GENERATOR, ModelRole, resolve_model
from homog_local.settings import SAMPLER_PRESETS, SamplerParams

OPTIONAL_MODELS = ("gemma3-270m", "qwen2.5-coder-0.5b-instruct")


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_rss_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _naive_llama(path: Path, n_ctx: int, threads: int) -> Any:
    """Load the high-level Llama with the same model and context options as the backend."""
    import llama_cpp
    import llama_cpp.llama_cpp as bindings

    original = bindings.llama_model_default_params

    def without_extra_buffers() -> Any:
        params = original()
        # The same AMX workaround as LlamaBackend._model_params.
        params.use_extra_bufts = False
        return params

    # Llama() reads the defaults from the bindings module.
    bindings.llama_model_default_params = without_extra_buffers
    try:
        return llama_cpp.Llama(model_path=str(path), n_ctx=n_ctx, n_batch=512,
                               n_threads=threads, n_threads_batch=threads, flash_attn=False,
                               verbose=False)
    finally:
        bindings.llama_model_default_params = original


def _run_naive(llm: Any, prompts: list[Any], seeds: list[list[int]], params: SamplerParams,
               max_tokens: int) -> int:
    tokens = 0
    for prompt, question_seeds in zip(prompts, seeds, strict=True):
        for seed in question_seeds:
            out = llm.create_completion(
                prompt.text, max_tokens=max_tokens, temperature=params.temperature,
                top_k=params.top_k, top_p=params.top_p, min_p=params.min_p,
                repeat_penalty=params.repeat_penalty, seed=seed,
                stop=list(prompt.stop_strings) or None,
            )
            tokens += out["usage"]["completion_tokens"]
    return tokens


def _run_batched(backend: LlamaBackend, prompts: list[Any], seeds: list[list[int]],
                 params: SamplerParams, max_tokens: int, with_stats: bool) -> int:
    requests = [
        AnswerRequest(prompt, tuple(question_seeds), params, max_tokens, greedy=False,
                      with_stats=with_stats)
        for prompt, question_seeds in zip(prompts, seeds, strict=True)
    ]
    answers = backend.generate(requests)
    return sum(s.n_tokens for a in answers for s in a.samples)


def _ceiling(path: Path, n_tokens: int, threads: int) -> float:
    """Tokens per second of one batch of n_tokens with logits for every token."""
    import llama_cpp
    from llama_cpp import _internals

    model = _internals.LlamaModel(path_model=str(path),
                                  params=LlamaBackend._model_params(0), verbose=False)
    params = llama_cpp.llama_context_default_params()
    params.n_ctx = max(512, n_tokens)
    params.n_batch = n_tokens
    params.n_ubatch = n_tokens
    params.n_seq_max = 1
    params.flash_attn_type = llama_cpp.LLAMA_FLASH_ATTN_TYPE_DISABLED
    params.n_threads = threads
    params.n_threads_batch = threads
    ctx = _internals.LlamaContext(model=model, params=params, verbose=False)
    batch = _internals.LlamaBatch(n_tokens=n_tokens, embd=0, n_seq_max=1, verbose=False)
    tokens = list(np.random.default_rng(0).integers(100, min(5000, model.n_vocab()), n_tokens))
    best = 0.0
    try:
        for _ in range(2):  # the first call also warms up
            llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(ctx.ctx), True)
            batch.set_batch([int(t) for t in tokens], 0, True)
            started = time.perf_counter()
            ctx.decode(batch)
            best = n_tokens / (time.perf_counter() - started)
    finally:
        batch.close()
        ctx.close()
        model.close()
    return best


def _timed(method: Callable[[], int]) -> tuple[float, int, float]:
    _reset_peak_rss()
    started = time.perf_counter()
    tokens = method()
    seconds = time.perf_counter() - started
    return tokens / seconds, tokens, _peak_rss_mib()


def bench_model(name: str, args: argparse.Namespace, threads: int) -> dict[str, Any]:
    entry = resolve_model(name, ModelRole.GENERATOR)
    assert entry.path is not None
    params = SAMPLER_PRESETS[args.sampler]
    questions = load_dataset("truthfulqa", limit=args.questions).questions
    seeds = [[sample_seed(0, q.qid, i) for i in range(args.samples)] for q in questions]
    n_ctx = 512

    backend = LlamaBackend(entry.path, n_ctx=n_ctx, n_threads=threads,
                           n_parallel=args.parallel)
    prompts = [backend.render(q.text) for q in questions]
    naive = _naive_llama(entry.path, n_ctx, threads)

    runs: dict[str, list[tuple[float, int, float]]] = {"A": [], "B": [], "B0": []}
    for repeat in range(args.repeats):
        order = ["A", "B", "B0"] if repeat % 2 == 0 else ["B0", "B", "A"]
        for method in order:
            if method == "A":
                runs[method].append(_timed(lambda: _run_naive(
                    naive, prompts, seeds, params, args.max_tokens)))
            else:
                with_stats = method == "B"
                runs[method].append(_timed(lambda stats=with_stats: _run_batched(
                    backend, prompts, seeds, params, args.max_tokens, stats)))
            rate, tokens, rss = runs[method][-1]
            print(f"  {name} repeat {repeat + 1} {method}: {rate:.1f} tok/s "
                  f"({tokens} tokens), peak RSS {rss:.0f} MiB", file=sys.stderr)
    naive.close()
    backend.close()
    ceiling = [_ceiling(entry.path, args.samples * args.max_tokens, threads)
               for _ in range(args.repeats)]

    def median(method: str, index: int) -> float:
        return statistics.median(r[index] for r in runs[method])

    a, b, b0, c = median("A", 0), median("B", 0), median("B0", 0), statistics.median(ceiling)
    return {
        "model": name,
        "naive_tok_s": a,
        "batched_tok_s": b,
        "batched_no_stats_tok_s": b0,
        "ceiling_tok_s": c,
        "ratio_batched_to_naive": b / a,
        "fraction_of_ceiling": b / c,
        "stats_overhead": b0 / b - 1.0,
        "naive_tokens": int(median("A", 1)),
        "batched_tokens": int(median("B", 1)),
        "naive_peak_rss_mib": max(r[2] for r in runs["A"]),
        "batched_peak_rss_mib": max(r[2] for r in runs["B"]),
        "repeats": {m: [round(r[0], 1) for r in values] for m, values in runs.items()}
        | {"C": [round(v, 1) for v in ceiling]},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", help="comma-separated model names (default: the default "
                        "model, then Gemma-3-270M and Qwen2.5-0.5B when installed)")
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--parallel", type=int, default=32)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--sampler", default="ollama", choices=sorted(SAMPLER_PRESETS))
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args()
    install_native_log_handler()

    from homog_local.generation.llama_backend import _default_threads

    threads = args.threads or _default_threads()
    if args.models:
        names = [n.strip() for n in args.models.split(",") if n.strip()]
    else:
        names = [DEFAULT_GENERATOR]
        for name in OPTIONAL_MODELS:
            try:
                resolve_model(name, ModelRole.GENERATOR, verify_sha256=False)
            except Exception:  # noqa: BLE001 - an optional model that is absent is skipped
                print(f"skipping {name}: not installed", file=sys.stderr)
                continue
            names.append(name)

    import llama_cpp

    results = [bench_model(name, args, threads) for name in names]
    document = {
        "machine": {"platform": platform.platform(), "processor": platform.processor(),
                    "threads": threads, "python": platform.python_version(),
                    "numpy": np.__version__, "llama_cpp_python": llama_cpp.__version__},
        "settings": {"questions": args.questions, "samples": args.samples,
                     "max_tokens": args.max_tokens, "repeats": args.repeats,
                     "parallel": args.parallel, "sampler": args.sampler},
        "models": results,
    }
    if args.json:
        print(json.dumps(document, indent=2))
        return 0
    print(f"{args.questions} TruthfulQA questions x {args.samples} samples, up to "
          f"{args.max_tokens} new tokens, sampler {args.sampler}, {threads} threads, "
          f"--parallel {args.parallel}, median of {args.repeats} repeat(s)")
    header = (f"{'model':30} {'A naive':>9} {'B batched':>10} {'B/A':>6} {'ceiling':>8} "
              f"{'B/ceil':>7} {'stats':>7} {'RSS A':>7} {'RSS B':>7}")
    print(header)
    for r in results:
        print(f"{r['model']:30} {r['naive_tok_s']:9.1f} {r['batched_tok_s']:10.1f} "
              f"{r['ratio_batched_to_naive']:6.2f} {r['ceiling_tok_s']:8.1f} "
              f"{r['fraction_of_ceiling']:7.0%} {r['stats_overhead']:+7.1%} "
              f"{r['naive_peak_rss_mib']:6.0f}M {r['batched_peak_rss_mib']:6.0f}M")
    print("A naive = one create_completion call per sample; B batched = LlamaBackend.generate "
          "with all samples in --parallel slots; ceiling = one batch of samples x max-tokens "
          "tokens with logits for every token; tok/s = generated tokens per second; "
          "B/ceil = B as a share of the ceiling; stats = time added by entropy and "
          "log-probability (B0 against B); RSS = peak resident memory per method")
    return 0


if __name__ == "__main__":
    sys.exit(main())
