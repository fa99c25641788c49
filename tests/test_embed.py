from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from homog_local.embed import OnnxEmbedder, l2_normalize, load_embedder, mean_pool
from homog_local.errors import ConfigError, ModelLoadError
from homog_local.models import ModelRole, resolve_model

CAT = "The cat sat on the mat."
CAT_PARAPHRASE = "A cat was sitting on the mat."
UNRELATED = "Stock markets fell sharply today."


@pytest.fixture
def minilm() -> OnnxEmbedder:
    return load_embedder("minilm-l6-int8")


def _tokenizer_path() -> Path:
    entry = resolve_model("minilm-l6-int8", ModelRole.EMBEDDER, verify_sha256=False)
    assert entry.tokenizer_path is not None
    return entry.tokenizer_path


def test_embed_minilm_shape_and_unit_norm(minilm: OnnxEmbedder) -> None:
    vectors = minilm.embed([CAT, CAT_PARAPHRASE, UNRELATED])

    assert minilm.model_id == "minilm-l6-int8"
    assert minilm.dim == 384
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_embed_minilm_paraphrase_closer(minilm: OnnxEmbedder) -> None:
    cat, paraphrase, unrelated = minilm.embed([CAT, CAT_PARAPHRASE, UNRELATED])

    close = float(cat @ paraphrase)
    far = float(cat @ unrelated)
    assert round(close, 2) == 0.95
    assert round(far, 2) == 0.04
    assert close > far


def test_embed_paraphrase_l3_paraphrase_closer() -> None:
    embedder = load_embedder("paraphrase-minilm-l3")

    cat, paraphrase, unrelated = embedder.embed([CAT, CAT_PARAPHRASE, UNRELATED])

    assert embedder.dim == 384
    assert round(float(cat @ paraphrase), 2) == 0.93
    assert round(float(cat @ unrelated), 2) == 0.07


def test_embed_duplicates_encoded_once(
    minilm: OnnxEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoded: list[str] = []
    original = minilm._encode_batch

    def spy(texts: list[str]) -> np.ndarray:
        encoded.extend(texts)
        return original(texts)

    monkeypatch.setattr(minilm, "_encode_batch", spy)

    vectors = minilm.embed([CAT, UNRELATED, CAT, CAT])

    assert sorted(encoded) == sorted([CAT, UNRELATED])
    assert vectors.shape == (4, 384)
    np.testing.assert_array_equal(vectors[0], vectors[2])
    np.testing.assert_array_equal(vectors[0], vectors[3])


def test_embed_empty_list(minilm: OnnxEmbedder) -> None:
    vectors = minilm.embed([])

    assert vectors.shape == (0, 384)
    assert vectors.dtype == np.float32


def test_embed_batches_match_one_batch(minilm: OnnxEmbedder) -> None:
    texts = [CAT, CAT_PARAPHRASE, UNRELATED, "", "Paris is the capital of France."]
    small = load_embedder("minilm-l6-int8", batch_size=2)

    np.testing.assert_allclose(small.embed(texts), minilm.embed(texts), atol=1e-5)


def test_embed_truncates_to_max_length() -> None:
    embedder = load_embedder("minilm-l6-int8", max_length=8)
    prefix = "one two three four five six seven eight nine ten "

    first, second = embedder.embed([prefix + "alpha", prefix + "omega"])

    np.testing.assert_allclose(first, second, atol=1e-6)


def test_embed_rejects_single_string(minilm: OnnxEmbedder) -> None:
    with pytest.raises(ConfigError, match="pass a list of strings"):
        minilm.embed(CAT)


def test_load_embedder_unknown_name() -> None:
    with pytest.raises(
        ModelLoadError, match="known embedder models: minilm-l6-int8, paraphrase-minilm-l3"
    ):
        load_embedder("no-such-embedder")


def test_onnx_embedder_invalid_settings() -> None:
    entry = resolve_model("minilm-l6-int8", ModelRole.EMBEDDER, verify_sha256=False)
    assert entry.path is not None

    with pytest.raises(ConfigError, match="pooling: 'max'"):
        OnnxEmbedder(entry.path, _tokenizer_path(), pooling="max")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="max_length: 1"):
        OnnxEmbedder(entry.path, _tokenizer_path(), max_length=1)
    with pytest.raises(ConfigError, match="batch_size: 0"):
        OnnxEmbedder(entry.path, _tokenizer_path(), batch_size=0)


def test_onnx_embedder_rejects_non_onnx_file(tmp_path: Path) -> None:
    path = tmp_path / "model.onnx"
    path.write_bytes(b"not a protobuf")

    with pytest.raises(ModelLoadError, match="onnxruntime cannot load it"):
        OnnxEmbedder(path, _tokenizer_path())


def test_onnx_embedder_rejects_bad_tokenizer(tmp_path: Path) -> None:
    entry = resolve_model("minilm-l6-int8", ModelRole.EMBEDDER, verify_sha256=False)
    assert entry.path is not None
    tokenizer = tmp_path / "tokenizer.json"
    tokenizer.write_text("{}")

    with pytest.raises(ModelLoadError, match="cannot read it as a tokenizers tokenizer.json"):
        OnnxEmbedder(entry.path, tokenizer)


# Tiny hand-built ONNX graphs: the "encoder" returns each token's id and mask
# as its vector, so pooled results can be worked out by hand.


def _toy_model(tmp_path: Path, input_names: list[str], rank: int = 3) -> Path:
    onnx = pytest.importorskip("onnx", reason="needs onnx (pip install -e '.[test]')")
    helper = onnx.helper
    tensor = onnx.TensorProto

    inputs = [
        helper.make_tensor_value_info(name, tensor.INT64, ["batch", "seq"]) for name in input_names
    ]
    first, second = input_names[0], input_names[min(1, len(input_names) - 1)]
    nodes = [
        helper.make_node("Cast", [first], ["ids_f"], to=tensor.FLOAT),
        helper.make_node("Cast", [second], ["mask_f"], to=tensor.FLOAT),
    ]
    initializers = [helper.make_tensor("axis", tensor.INT64, [1], [2])]

    if rank == 3:
        nodes += [
            helper.make_node("Unsqueeze", ["ids_f", "axis"], ["ids_3"]),
            helper.make_node("Unsqueeze", ["mask_f", "axis"], ["mask_3"]),
            helper.make_node("Concat", ["ids_3", "mask_3"], ["last_hidden_state"], axis=2),
        ]
        output = helper.make_tensor_value_info(
            "last_hidden_state", tensor.FLOAT, ["batch", "seq", 2]
        )
    else:
        nodes.append(helper.make_node("Identity", ["mask_f"], ["sentence_embedding"]))
        output = helper.make_tensor_value_info("sentence_embedding", tensor.FLOAT, ["batch", "seq"])

    graph = helper.make_graph(nodes, "toy", inputs, [output], initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    path = tmp_path / "toy.onnx"
    onnx.save(model, str(path))
    return path


def test_onnx_embedder_mean_pool_ignores_padding(tmp_path: Path) -> None:
    path = _toy_model(tmp_path, ["input_ids", "attention_mask"])
    embedder = OnnxEmbedder(path, _tokenizer_path(), normalize=False)

    # "hi" tokenizes to [CLS]=101, hi=7632, [SEP]=102 and is padded to the
    # length of the second text, whose ids are 101 1996 4937 2938 2006 1996 13523 1012 102.
    hi, cat = embedder.embed(["hi", CAT])

    np.testing.assert_allclose(hi, [(101 + 7632 + 102) / 3, 1.0], rtol=1e-6)
    cat_ids = [101, 1996, 4937, 2938, 2006, 1996, 13523, 1012, 102]
    np.testing.assert_allclose(cat, [sum(cat_ids) / len(cat_ids), 1.0], rtol=1e-6)
    assert embedder.dim == 2


def test_onnx_embedder_cls_pooling(tmp_path: Path) -> None:
    path = _toy_model(tmp_path, ["input_ids", "attention_mask"])
    embedder = OnnxEmbedder(path, _tokenizer_path(), pooling="cls", normalize=False)

    np.testing.assert_allclose(embedder.embed(["hi"]), [[101.0, 1.0]])


def test_onnx_embedder_two_dimensional_output_is_pooled(tmp_path: Path) -> None:
    path = _toy_model(tmp_path, ["input_ids", "attention_mask"], rank=2)
    embedder = OnnxEmbedder(path, _tokenizer_path(), pooling="pooled", normalize=False)

    np.testing.assert_allclose(embedder.embed(["hi"]), [[1.0, 1.0, 1.0]])


def test_onnx_embedder_rejects_unknown_inputs(tmp_path: Path) -> None:
    path = _toy_model(tmp_path, ["pixel_values", "attention_mask"])

    with pytest.raises(
        ModelLoadError, match=r"inputs are \['pixel_values', 'attention_mask'\]"
    ) as info:
        OnnxEmbedder(path, _tokenizer_path())
    assert info.value.path == path


def test_mean_pool_hand_worked() -> None:
    vectors = np.array([[[1.0, 0.0], [3.0, 2.0], [9.0, 9.0]]])

    pooled = mean_pool(vectors, np.array([[1, 1, 0]]))

    np.testing.assert_array_equal(pooled, [[2.0, 1.0]])


def test_l2_normalize_keeps_zero_rows() -> None:
    result = l2_normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))

    np.testing.assert_allclose(result, [[0.6, 0.8], [0.0, 0.0]])
