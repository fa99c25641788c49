"""Parsing and labels of NLI and LLM clusterer specs."""

from __future__ import annotations

import pytest

from homog_local.cluster.spec import ClusterAssign, ClusterKind, ClusterSpec, EquivalenceRule
from homog_local.errors import ConfigError
from homog_local.settings import RunSettings


def test_nli_spec_defaults() -> None:
    spec = ClusterSpec.parse("nli:tiny", "m")
    assert (spec.kind, spec.model, spec.rule, spec.assign) == (
        ClusterKind.NLI, "tiny", EquivalenceRule.ENTAIL, ClusterAssign.GREEDY)
    assert spec.method == "nli:tiny:entail:greedy"
    assert not spec.uses_threshold


def test_nli_spec_threshold_rule() -> None:
    spec = ClusterSpec.parse("nli:tiny:entail-prob:components@0.7", "m")
    assert spec.method == "nli:tiny:entail-prob:components@0.7"
    assert spec.with_threshold(0.9).method == "nli:tiny:entail-prob:components@0.9"


def test_llm_spec_default_model() -> None:
    assert ClusterSpec.parse("llm", "m").method == "llm:smollm2-135m-instruct:greedy"


@pytest.mark.parametrize("text", ["nli", "nli:", "nli:m:maybe", "nli:m:entail@0.5",
                                  "nli:m:entail:sideways", "llm@0.5", "jaccard:m"])
def test_spec_rejects(text) -> None:
    with pytest.raises(ConfigError, match="--cluster"):
        ClusterSpec.parse(text, "m")


def test_settings_round_trip_keeps_rule() -> None:
    spec = ClusterSpec.parse("nli:tiny:no-contradiction:components", "m")
    settings = RunSettings(clusterers=(spec,))
    assert RunSettings.from_json(settings.to_json()).clusterers == (spec,)
