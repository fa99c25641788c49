"""Toy stored runs with hand-worked signals for the evaluation, report, cascade and compare tests.

Six questions; the alias judge marks q0, q2, q4 correct and q1, q3, q5
incorrect. FakeBackend's token entropies are 0.5, 0.6, ... per word, so
B1 (mean entropy) is 0.5 + 0.05 (words - 1):

=====  ======================  =====  ========  =================
qid    greedy answer           B1     clusters  first word (B2)
=====  ======================  =====  ========  =================
0      Paris.                  0.50   1         what
1      Milan is big and old.   0.70   2         which
2      Oslo.                   0.50   1         what
3      Quito is far away now.  0.70   1         name
4      Canada is it.           0.60   1         what
5      Marlowe did.            0.55   2         who
=====  ======================  =====  ========  =================

FakeEmbedder maps a text to a one-hot vector of its first word, so with
6 questions (k' = 5 neighbours) B2 is -2/5 for the three "what" questions
and 0 for the others. Costs are replaced by fixed values after the run.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from helpers import FakeBackend, FakeEmbedder, write_jsonl

from homog_local.density import LoadedEmbedder, ensure_density_signal
from homog_local.runner import RunEngine
from homog_local.settings import ClusterKind, ClusterSpec, resolve_settings
from homog_local.store import Store
from homog_local.store.records import StageCost

JACCARD = "jaccard@0.4"

QUESTIONS = [
    ("What is the capital of France?", "Paris", "Paris.", ["Paris", "Paris"]),
    ("Which city is in Italy?", "Rome", "Milan is big and old.", ["a b c", "x y z"]),
    ("What is the capital of Norway?", "Oslo", "Oslo.", ["Oslo", "Oslo"]),
    ("Name the capital of Peru", "Lima", "Quito is far away now.", ["one two", "one two"]),
    ("What country has Ottawa?", "Canada", "Canada is it.", ["Canada", "Canada"]),
    ("Who wrote Hamlet?", "Shakespeare", "Marlowe did.", ["Marlowe", "Bacon"]),
]

#: Stage costs written over the measured ones: (seconds, tokens) per question.
STAGE_COSTS = {"greedy": (0.5, 10), "sampling": (2.0, 40), f"cluster:{JACCARD}": (0.01, 0)}


def dataset_file(tmp_path: Path, name: str = "toy") -> Path:
    """Write the six questions as a JSONL dataset."""
    rows = [json.dumps({"question": q, "answers": [ref]}) for q, ref, _, _ in QUESTIONS]
    return write_jsonl(tmp_path / f"{name}.jsonl", rows)


def fake_loader(name: str) -> LoadedEmbedder:
    """Load FakeEmbedder under any name."""
    return LoadedEmbedder(FakeEmbedder(), f"fake-{name}")


def counting_clock():
    """Return a clock that advances by exactly 1 s per call."""
    counter = itertools.count()
    return lambda: float(next(counter))


def toy_run(
    store: Store,
    path: Path,
    *,
    samples: dict[str, list[str]] | None = None,
    greedy: dict[str, str] | None = None,
    n_samples: int = 2,
    execute: bool = True,
    with_b2: bool = True,
    extra_settings: dict[str, object] | None = None,
) -> int:
    """Run the toy dataset with fake backends, fix its costs and store B2.

    ``samples`` and ``greedy`` replace the scripted answers of the questions they name.
    """
    script = {
        q: ((greedy or {}).get(q, answer), (samples or {}).get(q, answers))
        for q, _, answer, answers in QUESTIONS
    }
    engine = RunEngine(store, backend_factory=lambda e, s: FakeBackend(script),
                       embedder_factory=lambda name: FakeEmbedder())
    settings = resolve_settings({"dataset": str(path), "n_samples": n_samples,
                                 "clusterers": (ClusterSpec(ClusterKind.JACCARD, 0.4),),
                                 **(extra_settings or {})})
    run_id = engine.create(settings)
    if not execute:
        return run_id
    engine.execute(run_id)
    for row in store.questions(run_id):
        store.save_costs(run_id, row["qid"],
                         [StageCost(stage, s, t) for stage, (s, t) in STAGE_COSTS.items()])
    if with_b2:
        ensure_density_signal(store, run_id, embedder_loader=fake_loader, clock=counting_clock())
    return run_id
