"""Re-scoring a stored run with other clusterers, thresholds and an NLI model."""

from __future__ import annotations

import json

import pytest
from helpers import FakeBackend, FakeEmbedder, write_jsonl
from nli_fixtures import build_nli_folder

from homog_local.cli.main import main
from homog_local.cluster.spec import ClusterSpec
from homog_local.models import ModelRole
from homog_local.nli.register import register_onnx_model
from homog_local.runner import RunEngine
from homog_local.scoring import QuestionScorer
from homog_local.scoring.rescore import expand_thresholds, rescore_run
from homog_local.settings import resolve_settings
from homog_local.store import Store

SCRIPT = {
    "Capital of France?": ("Paris.", ["Paris is the capital.", "It is Paris.", "Paris."]),
    "Second city of France?": ("Lyon.", ["Lyon.", "Paris.", "Lyon."]),
    "Capital of Spain?": ("Madrid.", ["Madrid.", "maybe Madrid"]),
}


@pytest.fixture
def stored_run(tmp_path, monkeypatch) -> tuple[Store, int]:
    models = tmp_path / "models"
    monkeypatch.setenv("HOMOG_MODELS_DIR", str(models))
    register_onnx_model(build_nli_folder(tmp_path / "tiny"), role=ModelRole.NLI, name="tiny",
                        models_dir=models)
    rows = [
        '{"question": "Capital of France?", "answers": ["Paris"]}',
        '{"question": "Second city of France?", "answers": ["Lyon"]}',
        '{"question": "Capital of Spain?", "answers": ["Madrid"]}',
    ]
    dataset = write_jsonl(tmp_path / "toy.jsonl", rows)
    store = Store(tmp_path / "db.sqlite")
    engine = RunEngine(store, backend_factory=lambda entry, settings: FakeBackend(SCRIPT),
                       embedder_factory=lambda name: FakeEmbedder())
    run_id = engine.create(resolve_settings({"dataset": str(dataset), "n_samples": 3,
                                             "limit": 0}))
    engine.execute(run_id)
    return store, run_id


def _scorer(store: Store) -> QuestionScorer:
    return QuestionScorer(store, embedder_factory=lambda name: FakeEmbedder())


def test_rescore_nli_scr_and_calls(stored_run) -> None:
    store, run_id = stored_run
    specs = [ClusterSpec.parse("nli:tiny", "m"),
             ClusterSpec.parse("nli:tiny:no-contradiction:components", "m")]
    result = rescore_run(store, run_id, specs, _scorer(store))

    greedy, components = result.methods
    assert result.n_questions == 3
    assert (greedy.scr.n_true, greedy.scr.n) == (1, 3)
    assert (components.scr.n_true, components.scr.n) == (2, 3)
    # Greedy compares with cluster representatives only: 2 + 1 + 1 of 5 distinct pairs.
    assert greedy.n_model_calls == 4
    assert greedy.n_distinct_pairs == 5
    stats = store.query("SELECT qid, SUM(n_model_calls), MAX(n_distinct_pairs)"
                        " FROM cluster_stats WHERE run_id = ? AND method LIKE '%nli:tiny%'"
                        " GROUP BY qid", (run_id,))
    assert len(stats) == 3
    # Every model call was a distinct pair the components rule or the graph needed.
    for row in stats:
        assert row[1] == row[2]


def test_rescore_reuses_pair_cache(stored_run) -> None:
    store, run_id = stored_run
    specs = [ClusterSpec.parse("nli:tiny", "m")]
    rescore_run(store, run_id, specs, _scorer(store))
    again = rescore_run(store, run_id, specs, _scorer(store))
    assert again.methods[0].n_model_calls == 0
    assert again.methods[0].n_cache_hits == 4


def test_rescore_stores_beside_originals(stored_run) -> None:
    store, run_id = stored_run
    rescore_run(store, run_id, [ClusterSpec.parse("nli:tiny", "m")], _scorer(store))
    clusters = store.clusters(run_id)
    assert set(clusters["1"]) == {"jaccard@0.4", "embedding:minilm-l6-int8@0.85",
                                  "nli:tiny:entail:greedy"}
    assert clusters["1"]["nli:tiny:entail:greedy"].assignments == (0, 1, 0)
    signals = store.signals(run_id)["1"]
    assert signals["n_clusters:nli:tiny:entail:greedy"].value == 2.0
    # Equal sequence probabilities: the two distinct texts weigh 1/2 each.
    assert signals["weighted_semantic_entropy:nli:tiny:entail:greedy"].value == pytest.approx(
        0.693147, abs=1e-6)
    assert signals["eigv_uncertainty:nli:tiny"].value == pytest.approx(2.0, abs=1e-3)
    assert "b1_mean_token_entropy" in signals
    method = store.query("SELECT model_sha256, options_json FROM cluster_methods"
                         " WHERE run_id = ? AND method = ?", (run_id, "nli:tiny:entail:greedy"))
    options = json.loads(method[0]["options_json"])
    assert (options["rule"], options["assign"], options["max_length"]) == (
        "entail", "greedy", 256)
    assert len(method[0]["model_sha256"]) == 64


def test_expand_thresholds_skips_tau_free_specs() -> None:
    specs = [ClusterSpec.parse("jaccard", "m"), ClusterSpec.parse("nli:tiny", "m")]
    methods = [s.method for s in expand_thresholds(specs, [0.2, 0.5, 0.9])]
    assert methods == ["jaccard@0.2", "jaccard@0.5", "jaccard@0.9", "nli:tiny:entail:greedy"]


def test_rescore_cli_side_by_side(stored_run, capsys) -> None:
    store, run_id = stored_run
    argv = ["rescore", str(run_id), "--cluster", "jaccard", "--cluster", "nli:tiny",
            "--rule", "no-contradiction", "--threshold", "0.2", "--threshold", "0.5",
            "--threshold", "0.9", "--db", store.path, "--json"]
    assert main(argv) == 0
    document = json.loads(capsys.readouterr().out)
    scr = {row["method"]: row["scr"] for row in document["methods"]}
    assert scr == pytest.approx({
        # No two samples of a question share a word bigram, so Jaccard never merges.
        "jaccard@0.2": 0.0, "jaccard@0.5": 0.0, "jaccard@0.9": 0.0,
        "nli:tiny:no-contradiction:greedy": 2 / 3,
    })


def test_rescore_cli_unknown_run(tmp_path, capsys) -> None:
    assert main(["rescore", "7", "--cluster", "jaccard", "--db", str(tmp_path / "x.sqlite")]) == 1
    assert "run 7 not found" in capsys.readouterr().err
