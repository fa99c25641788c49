"""NLI cross-encoders (ONNX) and LLM judges that decide whether two answers mean the same.

Every probability row is in canonical order (contradiction, neutral,
entailment), whatever order the model's logits use.
"""

from __future__ import annotations

from homog_local.nli.labels import CANONICAL_LABELS, LabelMap, read_label_map
from homog_local.nli.llm_judge import LLM_JUDGE_PROMPT, LlmEquivalenceJudge, parse_yes_no
from homog_local.nli.onnx_model import DEFAULT_NLI_MAX_LENGTH, OnnxNliModel, load_nli_model
from homog_local.nli.pairwise import NliPairMatrix
from homog_local.nli.rules import is_equivalent

__all__ = [
    "CANONICAL_LABELS",
    "DEFAULT_NLI_MAX_LENGTH",
    "LLM_JUDGE_PROMPT",
    "LabelMap",
    "LlmEquivalenceJudge",
    "NliPairMatrix",
    "OnnxNliModel",
    "is_equivalent",
    "load_nli_model",
    "parse_yes_no",
    "read_label_map",
]
