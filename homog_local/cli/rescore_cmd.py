"""``homog rescore``: cluster and score a stored run again, with no generator loaded."""

from __future__ import annotations

import argparse
import math
import sys

from rich.table import Table

from homog_local.cli.common import add_db_option, open_db, print_json, stdout_console
from homog_local.cluster.spec import ClusterAssign, ClusterKind, ClusterSpec, EquivalenceRule
from homog_local.errors import ConfigError, ModelLoadError
from homog_local.models import DEFAULT_EMBEDDER, ModelRole, resolve_model
from homog_local.scoring import QuestionScorer
from homog_local.scoring.rescore import RescoreResult, expand_thresholds, rescore_run

__all__ = ["parse_specs", "register", "result_to_json", "table_of"]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``rescore`` subcommand."""
    parser = subparsers.add_parser(
        "rescore",
        help="cluster a stored run's samples again with other clusterers or thresholds",
        description="Recompute clusters, signals and SCR from a run's stored samples without "
        "loading the generator. Results are stored beside the originals under each method's "
        "label (an earlier result with the same label is replaced). SCR per method is printed "
        "side by side.",
    )
    parser.add_argument("run_id", type=int, metavar="RUN_ID", help="run id from `homog runs list`")
    parser.add_argument(
        "--cluster", action="append", metavar="SPEC", required=True,
        help="clusterer, repeatable: jaccard[@TAU], embedding[:MODEL][@TAU], "
        "nli:MODEL[:RULE[:ASSIGN]][@TAU] or llm[:MODEL[:ASSIGN]]",
    )
    parser.add_argument(
        "--threshold", action="append", type=float, metavar="TAU",
        help="threshold τ in (0, 1], repeatable; every clusterer that uses τ runs at each "
        "value (overrides @TAU)",
    )
    parser.add_argument(
        "--rule", choices=[rule.value for rule in EquivalenceRule],
        help="NLI equivalence rule for nli clusterers that name none (default: entail)",
    )
    parser.add_argument(
        "--assign", choices=[mode.value for mode in ClusterAssign],
        help="cluster assignment for nli and llm clusterers that name none (default: greedy)",
    )
    parser.add_argument(
        "--no-graph", action="store_true",
        help="skip EigV, Degree, Eccentricity, lexical and dispersion scores (with NLI these "
        "score every pair of distinct answers)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    add_db_option(parser)
    parser.set_defaults(func=_handle)


def parse_specs(args: argparse.Namespace) -> list[ClusterSpec]:
    """Turn ``--cluster``, ``--rule``, ``--assign`` and ``--threshold`` into specs."""
    specs = []
    for text in args.cluster:
        spec = ClusterSpec.parse(text, DEFAULT_EMBEDDER)
        fields = text.partition("@")[0].split(":")
        if spec.kind is ClusterKind.NLI and args.rule and len(fields) < 3:
            spec = ClusterSpec(spec.kind, spec.threshold, spec.model, EquivalenceRule(args.rule),
                               spec.assign)
        if spec.kind is ClusterKind.NLI and args.assign and len(fields) < 4:
            spec = ClusterSpec(spec.kind, spec.threshold, spec.model, spec.rule,
                               ClusterAssign(args.assign))
        if spec.kind is ClusterKind.LLM and args.assign and len(fields) < 3:
            spec = ClusterSpec(spec.kind, spec.threshold, spec.model, None,
                               ClusterAssign(args.assign))
        specs.append(spec)
    for value in args.threshold or ():
        if not 0.0 < value <= 1.0:
            raise ConfigError("--threshold", value, "use a number in (0, 1]")
    return expand_thresholds(specs, args.threshold or ())


def _handle(args: argparse.Namespace) -> int:
    specs = parse_specs(args)
    store = open_db(args)
    run = store.get_run(args.run_id)
    try:
        _check_models(specs)
    except ModelLoadError as error:
        # A wrong model name is a usage error, reported before any work starts.
        print(f"homog: error: {error}", file=sys.stderr)
        return 2
    print(f"re-scoring run {run.id} ({run.model_name} on {run.dataset}, {run.n_done} questions) "
          f"with {len(specs)} clusterer(s)", file=sys.stderr)
    scorer = QuestionScorer(store, graph_scores=not args.no_graph)
    try:
        result = rescore_run(store, run.id, specs, scorer)
    finally:
        scorer.close()
    if args.json:
        print_json(result_to_json(result))
    else:
        stdout_console().print(table_of(result))
    return 0


_ROLE_OF_KIND = {
    ClusterKind.EMBEDDING: ModelRole.EMBEDDER,
    ClusterKind.NLI: ModelRole.NLI,
    ClusterKind.LLM: ModelRole.GENERATOR,
}


def _check_models(specs: list[ClusterSpec]) -> None:
    """Resolve every model the specs name, so unknown names fail before scoring starts."""
    for spec in specs:
        role = _ROLE_OF_KIND.get(spec.kind)
        if role is not None and spec.model:
            resolve_model(spec.model, role, verify_sha256=False)


def result_to_json(result: RescoreResult) -> dict[str, object]:
    """Return a re-score result as JSON-ready values (NaN as null)."""

    def clean(value: float) -> float | None:
        return None if math.isnan(value) else value

    return {
        "run_id": result.run_id,
        "n_questions": result.n_questions,
        "seconds": result.seconds,
        "methods": [
            {
                "method": m.method, "scr": clean(m.scr.value), "ci_low": clean(m.scr.ci_low),
                "ci_high": clean(m.scr.ci_high), "n": m.scr.n, "n_single_cluster": m.scr.n_true,
                "mean_clusters": clean(m.mean_clusters), "seconds": m.seconds,
                "n_model_calls": m.n_model_calls, "n_cache_hits": m.n_cache_hits,
                "n_distinct_pairs": m.n_distinct_pairs,
            }
            for m in result.methods
        ],
    }


def table_of(result: RescoreResult) -> Table:
    """Return SCR, clusters and clustering cost per method as a table."""
    table = Table(title=f"Run {result.run_id} re-scored: {result.n_questions} questions in "
                  f"{result.seconds:.1f} s (model loading included)")
    for column in ("method", "SCR [95 % CI]", "single-cluster", "mean clusters",
                   "model calls", "cache hits", "distinct pairs", "seconds"):
        table.add_column(column, justify="left" if column == "method" else "right")
    for m in result.methods:
        scr = ("undefined" if math.isnan(m.scr.value) else
               f"{m.scr.value * 100:.1f} % [{m.scr.ci_low * 100:.1f}, {m.scr.ci_high * 100:.1f}]")
        table.add_row(
            m.method, scr, f"{m.scr.n_true}/{m.scr.n}", f"{m.mean_clusters:.2f}",
            str(m.n_model_calls), str(m.n_cache_hits), str(m.n_distinct_pairs),
            f"{m.seconds:.2f}",
        )
    return table
