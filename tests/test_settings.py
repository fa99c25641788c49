from __future__ import annotations

import pytest

from homog_local.errors import ConfigError
from homog_local.settings import (
    SAMPLER_PRESETS,
    ClusterKind,
    ClusterSpec,
    RunSettings,
    resolve_settings,
)


def test_presets_ollama_values() -> None:
    preset = SAMPLER_PRESETS["ollama"]
    assert (preset.temperature, preset.top_k, preset.top_p) == (1.0, 40, 0.9)
    assert (preset.min_p, preset.repeat_penalty, preset.repeat_last_n) == (0.0, 1.1, 64)


def test_presets_pure_disables_filters() -> None:
    preset = SAMPLER_PRESETS["pure"]
    assert (preset.top_k, preset.top_p, preset.min_p, preset.repeat_penalty) == (0, 1.0, 0.0, 1.0)


def test_resolve_defaults() -> None:
    settings = resolve_settings({})
    assert settings.model == "smollm2-135m-instruct"
    assert settings.dataset == "truthfulqa"
    assert (settings.limit, settings.n_samples, settings.max_tokens) == (100, 10, 100)
    assert [c.method for c in settings.clusterers] == [
        "jaccard@0.4", "embedding:minilm-l6-int8@0.85"]


def test_resolve_precedence_flag_env_file(tmp_path, monkeypatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[run]\nn_samples = 7\nlimit = 3\nseed = 5\n", encoding="utf-8")
    monkeypatch.setenv("HOMOG_LIMIT", "4")
    settings = resolve_settings({"seed": 9}, config_path=config)
    assert settings.n_samples == 7
    assert settings.limit == 4
    assert settings.seed == 9


def test_resolve_decoding_defaults_and_env(tmp_path, monkeypatch) -> None:
    settings = resolve_settings({}, config_path=tmp_path / "none.toml")
    assert (settings.decode, settings.parallel, settings.group_size) == ("batched", 32, 8)
    assert (settings.flash_attn, settings.kv_type) == (False, "f16")
    monkeypatch.setenv("HOMOG_FLASH_ATTN", "on")
    monkeypatch.setenv("HOMOG_DECODE", "sequential")
    config = tmp_path / "config.toml"
    config.write_text("[run]\nflash_attn = false\ngroup_size = 3\n", encoding="utf-8")
    settings = resolve_settings({}, config_path=config)
    assert settings.flash_attn is True
    assert settings.decode == "sequential"
    assert settings.group_size == 3


def test_resolve_rejects_bad_boolean(monkeypatch) -> None:
    monkeypatch.setenv("HOMOG_FLASH_ATTN", "maybe")
    with pytest.raises(ConfigError) as info:
        resolve_settings({})
    assert info.value.key == "HOMOG_FLASH_ATTN flash_attn"
    assert "must be true or false (or 1/0)" in str(info.value)


def test_resolve_error_names_the_source(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOMOG_PARALLEL", "0")
    with pytest.raises(ConfigError) as info:
        resolve_settings({}, config_path=tmp_path / "none.toml")
    assert str(info.value) == (
        "invalid value for HOMOG_PARALLEL: 0; use an integer from 1 to 256")
    monkeypatch.delenv("HOMOG_PARALLEL")
    config = tmp_path / "config.toml"
    config.write_text("[run]\ngroup_size = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        resolve_settings({}, config_path=config)
    assert str(info.value) == (
        f"invalid value for group_size in {config}: 0; use an integer from 1 to 1024")
    # A flag overrides the file, so the flag is named.
    with pytest.raises(ConfigError) as info:
        resolve_settings({"group_size": 2000}, config_path=config)
    assert info.value.key == "--group-size"


def test_resolve_temperature_overrides_preset() -> None:
    settings = resolve_settings({"sampler": "pure", "temperature": 0.7})
    assert settings.sampler_params.temperature == 0.7
    assert settings.sampler_params.top_k == 0


@pytest.mark.parametrize(
    ("explicit", "key"),
    [
        ({"n_samples": 0}, "--samples"),
        ({"limit": -1}, "--limit"),
        ({"max_tokens": 0}, "--max-tokens"),
        ({"temperature": 0.0}, "--temperature"),
        ({"sampler": "greedy"}, "--sampler"),
        ({"gpu_layers": -2}, "--gpu-layers"),
        ({"decode": "fast"}, "--decode"),
        ({"parallel": 0}, "--parallel"),
        ({"parallel": 257}, "--parallel"),
        ({"group_size": 0}, "--group-size"),
        ({"kv_type": "q4_0"}, "--kv-type"),
    ],
)
def test_resolve_rejects_out_of_range(explicit, key) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_settings(explicit)
    assert info.value.key == key


def test_resolve_bad_config_key(tmp_path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("samples = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="known keys"):
        resolve_settings({}, config_path=config)


def test_cluster_spec_parse_forms() -> None:
    assert ClusterSpec.parse("jaccard", "m").method == "jaccard@0.4"
    assert ClusterSpec.parse("jaccard@0.5", "m").threshold == 0.5
    spec = ClusterSpec.parse("embedding:paraphrase-minilm-l3@0.9", "m")
    assert (spec.kind, spec.model, spec.threshold) == (
        ClusterKind.EMBEDDING, "paraphrase-minilm-l3", 0.9)
    assert ClusterSpec.parse("embedding", "minilm-l6-int8").method == (
        "embedding:minilm-l6-int8@0.85")


@pytest.mark.parametrize("text", ["nli", "jaccard@2", "jaccard@x", "embedding@0"])
def test_cluster_spec_parse_rejects(text) -> None:
    with pytest.raises(ConfigError, match="--cluster"):
        ClusterSpec.parse(text, "m")


def test_settings_json_round_trip() -> None:
    settings = resolve_settings({"sampler": "pure", "limit": 5})
    assert RunSettings.from_json(settings.to_json()) == settings
