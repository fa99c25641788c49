"""The ONNX NLI runtime path: label maps, known probabilities, truncation, rules, pair matrix."""

from __future__ import annotations

import json

import numpy as np
import pytest
from nli_fixtures import build_nli_folder

from homog_local.cluster.equivalence import cluster_by_equivalence
from homog_local.cluster.spec import ClusterAssign, EquivalenceRule
from homog_local.errors import ModelLoadError
from homog_local.nli import NliPairMatrix, OnnxNliModel, is_equivalent, read_label_map
from homog_local.store import Store
from homog_local.store.caches import NliPairCache

# Softmax of logits (10, 1, 0) and (0, 1, 0), in canonical order.
P_STRONG = np.exp([10.0, 1.0, 0.0]) / np.exp([10.0, 1.0, 0.0]).sum()
P_NEUTRAL = np.exp([0.0, 1.0, 0.0]) / np.exp([0.0, 1.0, 0.0]).sum()


@pytest.fixture(scope="module")
def nli_model(tmp_path_factory) -> OnnxNliModel:
    path = build_nli_folder(tmp_path_factory.mktemp("nli"))
    return OnnxNliModel(path, path.parent / "tokenizer.json")


class CountingModel:
    """Wraps a model and records every predict call."""

    def __init__(self, model: OnnxNliModel) -> None:
        self.model = model
        self.calls: list[list[tuple[str, str]]] = []

    def predict(self, pairs):
        self.calls.append(list(pairs))
        return self.model.predict(pairs)


def test_label_map_from_config_order(nli_model) -> None:
    # config.json declares ENTAILMENT, NEUTRAL, CONTRADICTION.
    assert nli_model.label_map.order == (2, 1, 0)


def test_predict_known_probabilities(nli_model) -> None:
    probs = nli_model.predict([("Paris", "Lyon"), ("maybe", "Paris"), ("France", "Paris")])
    np.testing.assert_allclose(probs[0], P_STRONG, atol=1e-6)
    np.testing.assert_allclose(probs[1], P_NEUTRAL, atol=1e-6)
    np.testing.assert_allclose(probs[2], P_STRONG[::-1], atol=1e-6)


def test_predict_batches_of_mixed_lengths(tmp_path) -> None:
    path = build_nli_folder(tmp_path)
    model = OnnxNliModel(path, path.parent / "tokenizer.json", batch_size=2)
    pairs = [("Paris", "Lyon"), ("it is the capital Paris", "Paris"), ("Lyon", "Lyon Lyon")]
    together = model.predict(pairs)
    one_by_one = np.vstack([model.predict([pair]) for pair in pairs])
    np.testing.assert_allclose(together, one_by_one, atol=1e-9)
    assert together[2, 2] == pytest.approx(1.0, abs=1e-6)


def test_truncation_counts_tokens(tmp_path) -> None:
    path = build_nli_folder(tmp_path)
    # 6 tokens: [CLS] the capital [SEP] <hypothesis> [SEP]; longest_first cuts the premise.
    model = OnnxNliModel(path, path.parent / "tokenizer.json", max_length=6)
    cut = model.predict([("the capital is it Paris", "Lyon")])[0]
    np.testing.assert_allclose(cut, P_NEUTRAL, atol=1e-6)
    full = OnnxNliModel(path, path.parent / "tokenizer.json", max_length=64)
    np.testing.assert_allclose(full.predict([("the capital is it Paris", "Lyon")])[0], P_STRONG,
                               atol=1e-6)


def test_model_without_token_types(tmp_path) -> None:
    path = build_nli_folder(tmp_path, with_token_types=False)
    model = OnnxNliModel(path, path.parent / "tokenizer.json")
    assert model.input_names == ("input_ids", "attention_mask")
    assert model.predict([("maybe", "it")]).shape == (1, 3)


def test_sidecar_wins_over_config(tmp_path) -> None:
    path = build_nli_folder(tmp_path)
    (tmp_path / "nli_labels.json").write_text(
        json.dumps(["contradiction", "neutral", "entailment"]), encoding="utf-8")
    assert read_label_map(path).order == (0, 1, 2)


def test_generic_label_names_rejected(tmp_path) -> None:
    path = build_nli_folder(tmp_path)
    (tmp_path / "config.json").write_text(
        json.dumps({"id2label": {"0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2"}}),
        encoding="utf-8")
    with pytest.raises(ModelLoadError, match="not the three NLI classes"):
        read_label_map(path)


def test_missing_label_order_rejected(tmp_path) -> None:
    path = build_nli_folder(tmp_path, config=False)
    with pytest.raises(ModelLoadError, match="the order is never guessed"):
        OnnxNliModel(path, path.parent / "tokenizer.json")


def test_two_way_output_rejected(tmp_path) -> None:
    path = build_nli_folder(tmp_path, n_outputs=2)
    with pytest.raises(ModelLoadError, match=r"shape \(batch, 3\)"):
        OnnxNliModel(path, path.parent / "tokenizer.json")


@pytest.mark.parametrize(
    ("forward", "backward", "rule", "expected"),
    [
        ([0.1, 0.2, 0.7], [0.1, 0.2, 0.7], EquivalenceRule.ENTAIL, True),
        ([0.1, 0.2, 0.7], [0.2, 0.5, 0.3], EquivalenceRule.ENTAIL, False),
        ([0.1, 0.2, 0.7], [0.2, 0.5, 0.3], EquivalenceRule.NO_CONTRADICTION, True),
        ([0.6, 0.2, 0.2], [0.1, 0.2, 0.7], EquivalenceRule.NO_CONTRADICTION, False),
        ([0.1, 0.2, 0.7], [0.2, 0.5, 0.3], EquivalenceRule.ENTAIL_PROB, False),
        ([0.1, 0.3, 0.6], [0.1, 0.35, 0.55], EquivalenceRule.ENTAIL_PROB, True),
    ],
)
def test_equivalence_rules(forward, backward, rule, expected) -> None:
    assert is_equivalent(np.array(forward), np.array(backward), rule, 0.5) is expected


def test_identical_strings_never_reach_model(nli_model) -> None:
    counting = CountingModel(nli_model)
    matrix = NliPairMatrix(["Paris", "Paris", "Paris"], counting)
    test = matrix.equivalence_test(EquivalenceRule.ENTAIL, 0.5)
    labels = cluster_by_equivalence(len(matrix.distinct), test, ClusterAssign.COMPONENTS)
    assert labels == (0,)
    assert counting.calls == []
    assert matrix.n_model_calls == 0


def test_components_calls_equal_distinct_pairs(nli_model) -> None:
    counting = CountingModel(nli_model)
    texts = ["Paris", "Paris", "France", "Lyon", "maybe"]
    matrix = NliPairMatrix(texts, counting)
    test = matrix.equivalence_test(EquivalenceRule.ENTAIL, 0.5)
    labels = cluster_by_equivalence(len(matrix.distinct), test, ClusterAssign.COMPONENTS)
    assert labels == (0, 0, 1, 2)
    assert matrix.n_distinct_pairs == 6
    assert matrix.n_model_calls == 6
    # One batch holding both directions of every pair.
    assert len(counting.calls) == 1
    assert len(counting.calls[0]) == 12


def test_greedy_needs_fewer_pairs(nli_model) -> None:
    counting = CountingModel(nli_model)
    matrix = NliPairMatrix(["Paris", "France", "Paris France", "Lyon"], counting)
    test = matrix.equivalence_test(EquivalenceRule.ENTAIL, 0.5)
    labels = cluster_by_equivalence(len(matrix.distinct), test, ClusterAssign.GREEDY)
    assert labels == (0, 0, 0, 1)
    # Each text is compared with the first member of each cluster only.
    assert matrix.n_model_calls == 3
    assert matrix.n_model_calls < matrix.n_distinct_pairs


def test_pair_cache_persists_in_sqlite(nli_model, tmp_path) -> None:
    texts = ["Paris", "Lyon", "maybe"]
    with Store(tmp_path / "cache.sqlite") as store:
        first = NliPairMatrix(texts, nli_model, NliPairCache(store, "abc", 256))
        first.entailment_affinity()
        assert (first.n_model_calls, first.n_cache_hits) == (3, 0)
    with Store(tmp_path / "cache.sqlite") as store:
        counting = CountingModel(nli_model)
        second = NliPairMatrix(texts, counting, NliPairCache(store, "abc", 256))
        affinity = second.entailment_affinity()
        assert (second.n_model_calls, second.n_cache_hits) == (0, 3)
        assert counting.calls == []
        other_limit = NliPairMatrix(texts, counting, NliPairCache(store, "abc", 128))
        other_limit.ensure([(0, 1)])
        assert other_limit.n_model_calls == 1
    np.testing.assert_allclose(np.diag(affinity), 1.0)
    assert affinity[0, 1] == pytest.approx(P_STRONG[2], abs=1e-6)
    assert affinity[0, 2] == pytest.approx(P_NEUTRAL[2], abs=1e-6)
