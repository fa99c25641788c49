"""A tiny ONNX NLI model with known logits and a word-level tokenizer, built in the test.

Words carry a 2-d topic feature: "paris" and "france" are topic A, "lyon" is
topic B, every other word has none. With f_p and f_h the feature sums of the
premise and hypothesis segments:

    entailment    = 10 * (f_p · f_h)
    contradiction = 10 * (f_p[A] f_h[B] + f_p[B] f_h[A])
    neutral       = 1

The model writes its logits in the order (entailment, neutral, contradiction),
which config.json's id2label declares, so tests catch a label map that is
assumed instead of read.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

VOCAB = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "paris": 4, "france": 5, "lyon": 6,
         "maybe": 7, "is": 8, "the": 9, "capital": 10, "it": 11}
ID2LABEL = {"0": "ENTAILMENT", "1": "NEUTRAL", "2": "CONTRADICTION"}


def _features() -> np.ndarray:
    table = np.zeros((len(VOCAB), 2), dtype=np.float32)
    table[VOCAB["paris"], 0] = 1.0
    table[VOCAB["france"], 0] = 1.0
    table[VOCAB["lyon"], 1] = 1.0
    return table


def build_tokenizer(path: Path) -> Path:
    tokenizer = Tokenizer(models.WordLevel(VOCAB, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", 2), ("[SEP]", 3)],
    )
    tokenizer.save(str(path))
    return path


def build_model(path: Path, *, with_token_types: bool = True, n_outputs: int = 3) -> Path:
    """Write the NLI graph; n_outputs != 3 builds a broken model for validation tests."""
    nodes = [
        helper.make_node("Gather", ["features", "input_ids"], ["token_features"], axis=0),
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
    ]
    inputs = [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
        helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"]),
    ]
    if with_token_types:
        types = helper.make_tensor_value_info(
            "token_type_ids", TensorProto.INT64, ["batch", "sequence"]
        )
        inputs.append(types)
        nodes.append(
            helper.make_node("Cast", ["token_type_ids"], ["types_f"], to=TensorProto.FLOAT)
        )
    else:
        # Without segment ids every token counts as premise and hypothesis.
        nodes.append(helper.make_node("Mul", ["mask_f", "half"], ["types_f"]))
    nodes += [
        helper.make_node("Mul", ["mask_f", "types_f"], ["hyp_mask"]),
        helper.make_node("Sub", ["mask_f", "hyp_mask"], ["prem_mask"]),
        helper.make_node("Unsqueeze", ["hyp_mask", "axis_last"], ["hyp_mask3"]),
        helper.make_node("Unsqueeze", ["prem_mask", "axis_last"], ["prem_mask3"]),
        helper.make_node("Mul", ["token_features", "hyp_mask3"], ["hyp_tokens"]),
        helper.make_node("Mul", ["token_features", "prem_mask3"], ["prem_tokens"]),
        helper.make_node("ReduceSum", ["hyp_tokens", "axis_seq"], ["f_h"], keepdims=0),
        helper.make_node("ReduceSum", ["prem_tokens", "axis_seq"], ["f_p"], keepdims=0),
        helper.make_node("MatMul", ["f_h", "swap"], ["f_h_swapped"]),
        helper.make_node("Mul", ["f_p", "f_h"], ["same"]),
        helper.make_node("Mul", ["f_p", "f_h_swapped"], ["cross"]),
        helper.make_node("ReduceSum", ["same", "axis_seq"], ["entail_raw"], keepdims=1),
        helper.make_node("ReduceSum", ["cross", "axis_seq"], ["contra_raw"], keepdims=1),
        helper.make_node("Mul", ["entail_raw", "ten"], ["entail"]),
        helper.make_node("Mul", ["contra_raw", "ten"], ["contra"]),
        helper.make_node("Mul", ["entail_raw", "zero"], ["zeros"]),
        helper.make_node("Add", ["zeros", "one"], ["neutral"]),
    ]
    columns = ["entail", "neutral", "contra"] if n_outputs == 3 else ["entail", "neutral"]
    nodes.append(helper.make_node("Concat", columns, ["logits"], axis=1))
    initializers = [
        numpy_helper.from_array(_features(), "features"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "axis_last"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axis_seq"),
        numpy_helper.from_array(np.array([[0, 1], [1, 0]], dtype=np.float32), "swap"),
        numpy_helper.from_array(np.array(10.0, dtype=np.float32), "ten"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"),
        numpy_helper.from_array(np.array(1.0, dtype=np.float32), "one"),
        numpy_helper.from_array(np.array(0.5, dtype=np.float32), "half"),
    ]
    output = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", n_outputs])
    graph = helper.make_graph(nodes, "tiny_nli", inputs, [output], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def build_nli_folder(folder: Path, *, config: bool = True, **model_options: object) -> Path:
    """Write model.onnx, tokenizer.json and config.json; return the model path."""
    folder.mkdir(parents=True, exist_ok=True)
    build_tokenizer(folder / "tokenizer.json")
    if config:
        (folder / "config.json").write_text(json.dumps({"id2label": ID2LABEL}), encoding="utf-8")
    return build_model(folder / "model.onnx", **model_options)  # type: ignore[arg-type]
