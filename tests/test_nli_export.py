"""Exporting a randomly initialised tiny DeBERTa-v2 checkpoint through ``export-nli``.

The weights are random, so the probabilities carry no meaning. The test
proves the architecture path: torch export, dynamic batch and sequence axes,
the tokenizer and the label order.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from homog_local.cli.main import main
from homog_local.models import ModelRole, resolve_model
from homog_local.nli import OnnxNliModel
from homog_local.nli.export import EXPORT_INSTALL_HINT, export_available

pytestmark = [
    pytest.mark.export,
    pytest.mark.skipif(not export_available(),
                       reason=f"needs torch and transformers: {EXPORT_INSTALL_HINT}"),
]

WORDS = "a man is playing guitar someone plays music the cat sat on mat paris lyon".split()


def _tiny_deberta(folder):
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import (
        DebertaV2Config,
        DebertaV2ForSequenceClassification,
        PreTrainedTokenizerFast,
    )

    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4}
    for word in WORDS:
        vocab.setdefault(word, len(vocab))
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", 2), ("[SEP]", 3)],
    )
    PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
        sep_token="[SEP]", mask_token="[MASK]",
    ).save_pretrained(folder)
    torch.manual_seed(0)
    config = DebertaV2Config(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=128, num_labels=3,
        id2label={0: "entailment", 1: "neutral", 2: "contradiction"},
        label2id={"entailment": 0, "neutral": 1, "contradiction": 2},
        relative_attention=True, pos_att_type=["p2c", "c2p"], position_buckets=16,
    )
    model = DebertaV2ForSequenceClassification(config).eval()
    model.save_pretrained(folder)
    return model


def test_export_nli_tiny_deberta(tmp_path, capsys) -> None:
    import torch
    from transformers import AutoTokenizer

    checkpoint = tmp_path / "tiny-deberta"
    model = _tiny_deberta(checkpoint)
    models = tmp_path / "models"
    argv = ["models", "export-nli", str(checkpoint), "--output", str(tmp_path / "onnx"),
            "--name", "tiny-deberta", "--models-dir", str(models)]
    assert main(argv) == 0
    assert "max logit difference to torch" in capsys.readouterr().err
    assert json.loads((tmp_path / "onnx" / "config.json").read_text())["id2label"]["0"] == (
        "entailment")

    entry = resolve_model("tiny-deberta", ModelRole.NLI, models_dir=models)
    onnx_model = OnnxNliModel(entry.path, entry.tokenizer_path)
    assert onnx_model.label_map.order == (2, 1, 0)
    pairs = [("a man is playing guitar", "someone plays music"), ("the cat", "the cat sat on mat"),
             ("paris", "lyon")]
    probs = onnx_model.predict(pairs)

    tokenizer = AutoTokenizer.from_pretrained(str(checkpoint))
    batch = tokenizer([a for a, _ in pairs], [b for _, b in pairs], padding=True,
                      return_tensors="pt")
    with torch.no_grad():
        logits = model(**batch).logits.numpy()
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probs, expected[:, [2, 1, 0]], atol=1e-5)


def test_export_caps_token_limit(tmp_path) -> None:
    from homog_local.nli.export import export_nli_checkpoint

    _tiny_deberta(tmp_path / "ckpt")
    result = export_nli_checkpoint(tmp_path / "ckpt", tmp_path / "onnx")
    model = OnnxNliModel(result.model_path, result.tokenizer_path, max_length=512)
    # max_position_embeddings is 128, so longer pairs are cut there instead of failing.
    assert model.max_length == 128
    assert model.predict([("a man " * 200, "the cat " * 200)]).shape == (1, 3)
