"""``homog run``: sample, cluster, score and store a homogenization run."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from homog_local.cli.common import add_db_option, open_db, print_json, stdout_console
from homog_local.cli.render import print_summary
from homog_local.errors import ConfigError, DatasetError, ModelLoadError
from homog_local.report import summarize_run, summary_to_json
from homog_local.runner import RunEngine, RunProgress
from homog_local.settings import (
    DECODE_MODES,
    KV_CACHE_TYPES,
    SAMPLER_PRESETS,
    ClusterSpec,
    resolve_settings,
)

__all__ = ["register"]

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``run`` subcommand."""
    parser = subparsers.add_parser(
        "run",
        help="sample answers, cluster them and store SCR and uncertainty signals",
        description="Run a homogenization measurement: for each question, one greedy answer "
        "with token entropies and N sampled answers, clustered and scored, stored in SQLite. "
        "Progress goes to stderr; the summary goes to stdout.",
    )
    parser.add_argument("--model", help="generator name from `homog models list` or a .gguf "
                        "path (default: smollm2-135m-instruct)")
    parser.add_argument("--dataset", help="truthfulqa, truthfulqa-790, gsm8k, webquestions, "
                        "or a .jsonl/.csv path (default: truthfulqa)")
    parser.add_argument("--limit", type=int, help="questions from the start of the dataset; "
                        "0 = all (default: 100)")
    parser.add_argument("--samples", dest="n_samples", type=int,
                        help="sampled answers per question, N (default: 10)")
    parser.add_argument("--temperature", type=float,
                        help="sampling temperature, overrides the preset's (default: 1.0)")
    parser.add_argument("--max-tokens", dest="max_tokens", type=int,
                        help="maximum new tokens per answer (default: 100)")
    parser.add_argument("--sampler", choices=sorted(SAMPLER_PRESETS),
                        help="sampler preset: ollama = top_k 40, top_p 0.9, repeat penalty 1.1 "
                        "over 64 tokens; pure = the full distribution (default: ollama)")
    parser.add_argument("--seed", type=int, help="run seed; sample seeds derive from it "
                        "(default: 0)")
    parser.add_argument("--cluster", action="append", metavar="SPEC",
                        help="clusterer, repeatable: jaccard[@TAU], embedding[:MODEL][@TAU], "
                        "nli:MODEL[:RULE[:ASSIGN]][@TAU] or llm[:MODEL[:ASSIGN]] "
                        "(default: jaccard@0.4 and embedding:minilm-l6-int8@0.85)")
    parser.add_argument("--embedder", help="embedding model for clustering and the TruthfulQA "
                        "judge (default: minilm-l6-int8)")
    parser.add_argument("--gpu-layers", dest="gpu_layers", type=int,
                        help="layers offloaded to the GPU by llama.cpp; -1 = all "
                        "(default: 0, needs a CUDA or Metal build)")
    parser.add_argument("--n-ctx", dest="n_ctx", type=int,
                        help="largest context per answer, prompt plus answer, in tokens "
                        "(default: 1024)")
    parser.add_argument("--threads", dest="n_threads", type=int,
                        help="CPU threads for llama.cpp (default: all available)")
    parser.add_argument("--decode", choices=DECODE_MODES,
                        help="batched: decode many answers per llama.cpp step, across the "
                        "questions of a group; sequential: one answer at a time, the reference "
                        "(default: batched)")
    parser.add_argument("--parallel", type=int,
                        help="decoding slots of --decode batched: answers decoded together; "
                        "each slot has its own KV cache (default: 32)")
    parser.add_argument("--group-size", dest="group_size", type=int,
                        help="consecutive questions decoded as one group and stored together "
                        "(default: 8)")
    parser.add_argument("--flash-attn", dest="flash_attn", action="store_true", default=None,
                        help="use llama.cpp's flash attention; it shifts token entropies "
                        "slightly, so compare only runs that agree (default: off)")
    parser.add_argument("--kv-type", dest="kv_type", choices=KV_CACHE_TYPES,
                        help="KV cache element type; shifts logits slightly (default: f16)")
    parser.add_argument("--resume", type=int, metavar="RUN_ID",
                        help="continue an interrupted run; its stored settings are used")
    parser.add_argument("--resamples", type=int, default=10_000,
                        help="bootstrap resamples for the summary CIs (default: 10000)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON document with the summary on stdout")
    add_db_option(parser)
    parser.set_defaults(func=_handle)


def _explicit_settings(args: argparse.Namespace) -> dict[str, object]:
    values: dict[str, object] = {
        key: getattr(args, key)
        for key in ("model", "dataset", "limit", "n_samples", "temperature", "max_tokens",
                    "sampler", "seed", "embedder", "gpu_layers", "n_ctx", "n_threads",
                    "decode", "parallel", "group_size", "flash_attn", "kv_type")
    }
    if args.cluster:
        embedder = args.embedder or "minilm-l6-int8"
        values["clusterers"] = tuple(ClusterSpec.parse(text, embedder) for text in args.cluster)
    return values


def _handle(args: argparse.Namespace) -> int:
    if args.resamples < 100:
        raise ConfigError("--resamples", args.resamples, "use at least 100")
    store = open_db(args)
    engine = RunEngine(store)
    if args.resume is not None:
        run_id = args.resume
        store.get_run(run_id)
        given = [k for k, v in _explicit_settings(args).items() if v is not None]
        if given:
            log.warning("--resume uses the run's stored settings; ignoring %s", ", ".join(given))
    else:
        settings = resolve_settings(_explicit_settings(args))
        try:
            run_id = engine.create(settings)
        except (DatasetError, ModelLoadError) as error:
            # Nothing was stored: a wrong name or path is a usage error.
            print(f"homog: error: {error}", file=sys.stderr)
            return 2
    run = store.get_run(run_id)
    print(f"run {run_id}: {run.model_name} on {run.dataset}, {run.n_questions} questions "
          f"({run.n_done} done), database {store.path}", file=sys.stderr)
    if args.resume is not None and run.n_done == run.n_questions:
        print(f"run {run_id} is already finished; showing its summary", file=sys.stderr)

    cancel = threading.Event()
    previous = signal.getsignal(signal.SIGINT)

    def _on_sigint(signum: int, frame: FrameType | None) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        print("\nstopping at the next decoding step; finished questions are kept; "
              "Ctrl-C again to stop now", file=sys.stderr)

    def _on_sigterm(signum: int, frame: FrameType | None) -> None:
        cancel.set()

    in_main_thread = threading.current_thread() is threading.main_thread()
    previous_term = signal.getsignal(signal.SIGTERM)
    if in_main_thread:
        signal.signal(signal.SIGINT, _on_sigint)
        # A terminated run stops at the next decoding step and is marked interrupted.
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        outcome = _execute_with_progress(engine, run_id, run.n_questions, run.n_done, cancel,
                                         quiet=args.quiet)
    finally:
        if in_main_thread:
            signal.signal(signal.SIGINT, previous)
            signal.signal(signal.SIGTERM, previous_term)

    summary = summarize_run(store, run_id, n_resamples=args.resamples, seed=0)
    if args.json:
        print_json(summary_to_json(summary))
    else:
        print_summary(summary, stdout_console(), core_only=True)
    if outcome.status == "interrupted":
        print(f"run {run_id} interrupted; continue it with: homog run --resume {run_id}"
              + (f" --db {store.path}" if args.db else ""), file=sys.stderr)
        return 130
    return 0


def _execute_with_progress(
    engine: RunEngine, run_id: int, n_total: int, n_done: int, cancel: threading.Event,
    *, quiet: bool,
):  # type: ignore[no-untyped-def]
    console = Console(stderr=True)
    columns = (
        TextColumn("[bold]questions"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[scr]}"),
    )
    with Progress(*columns, console=console, disable=quiet, transient=False) as progress:
        task: TaskID = progress.add_task("run", total=n_total, completed=n_done, rate="", scr="")

        def _update(event: RunProgress) -> None:
            scr_text = "  ".join(
                f"SCR {method.split('@')[0].split(':')[0]} {value * 100:.0f} %"
                for method, value in event.scr.items()
            )
            progress.update(task, completed=event.n_done, rate=f"{event.tokens_per_s:.0f} tok/s",
                            scr=scr_text)
            if not console.is_terminal and not quiet:
                eta = f"{event.eta_s:.0f} s" if event.eta_s is not None else "?"
                console.print(f"{event.n_done}/{event.n_total} questions, "
                              f"{event.tokens_per_s:.0f} tok/s, ETA {eta}, {scr_text}")

        return engine.execute(run_id, on_progress=_update, cancel=cancel)
