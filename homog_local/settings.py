"""Run settings: one model that drives the CLI flags, the config file and the TUI form.

Precedence when settings are resolved: explicit values (CLI flags or form
fields) > ``HOMOG_*`` environment variables > the config file
(``$HOMOG_HOME/config.toml``) > the defaults below.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from homog_local.cluster.spec import (
    DEFAULT_LLM_JUDGE,
    ClusterAssign,
    ClusterKind,
    ClusterSpec,
    EquivalenceRule,
)
from homog_local.errors import ConfigError

__all__ = [
    "DECODE_MODES",
    "DEFAULT_LLM_JUDGE",
    "KV_CACHE_TYPES",
    "SAMPLER_PRESETS",
    "ClusterAssign",
    "ClusterKind",
    "ClusterSpec",
    "EquivalenceRule",
    "RunSettings",
    "SamplerParams",
    "resolve_settings",
]


DECODE_MODES = ("batched", "sequential")
KV_CACHE_TYPES = ("f16", "q8_0", "f32")


@dataclass(frozen=True)
class SamplerParams:
    """Explicit sampler settings, stored with every run.

    Parameters
    ----------
    temperature : float
        Softmax temperature; must be > 0 for sampling (the greedy answer
        ignores it).
    top_k : int
        Keep the k most likely tokens; 0 disables the filter.
    top_p : float
        Nucleus filter: keep the smallest set whose probability reaches top_p;
        1.0 disables it.
    min_p : float
        Drop tokens whose probability is below ``min_p`` times the top
        token's; 0.0 disables it.
    repeat_penalty : float
        llama.cpp-style repetition penalty on the last ``repeat_last_n``
        tokens; 1.0 disables it.
    repeat_last_n : int
        Window of the repetition penalty, in tokens.

    Notes
    -----
    Filters apply in llama.cpp's default chain order: repetition penalty,
    top-k, top-p, min-p, temperature, then a draw from the remaining
    distribution.
    """

    temperature: float = 1.0
    top_k: int = 40
    top_p: float = 0.9
    min_p: float = 0.0
    repeat_penalty: float = 1.1
    repeat_last_n: int = 64

    def validate(self) -> None:
        """Raise ConfigError when a value is out of range."""
        if not 0.0 < self.temperature <= 5.0:
            raise ConfigError("--temperature", self.temperature, "use a value in (0, 5]")
        if self.top_k < 0:
            raise ConfigError("top_k", self.top_k, "use 0 (off) or a positive integer")
        if not 0.0 < self.top_p <= 1.0:
            raise ConfigError("top_p", self.top_p, "use a value in (0, 1]")
        if not 0.0 <= self.min_p < 1.0:
            raise ConfigError("min_p", self.min_p, "use a value in [0, 1)")
        if self.repeat_penalty <= 0.0:
            raise ConfigError("repeat_penalty", self.repeat_penalty, "use a positive value")
        if self.repeat_last_n < 0:
            raise ConfigError("repeat_last_n", self.repeat_last_n, "use 0 or a positive integer")


# "ollama" reproduces the sampler the reference experiments ran through
# Ollama; "pure" draws from the full model distribution.
SAMPLER_PRESETS: dict[str, SamplerParams] = {
    "ollama": SamplerParams(
        temperature=1.0, top_k=40, top_p=0.9, min_p=0.0, repeat_penalty=1.1, repeat_last_n=64
    ),
    "pure": SamplerParams(
        temperature=1.0, top_k=0, top_p=1.0, min_p=0.0, repeat_penalty=1.0, repeat_last_n=0
    ),
}


def _default_clusterers() -> tuple[ClusterSpec, ...]:
    return (
        ClusterSpec(ClusterKind.JACCARD, 0.4),
        ClusterSpec(ClusterKind.EMBEDDING, 0.85, "minilm-l6-int8"),
    )


@dataclass(frozen=True)
class RunSettings:
    """Everything that defines a run; stored as JSON with the run.

    Parameters
    ----------
    model : str
        Generator model name (see ``homog models list``) or a GGUF path.
    dataset : str
        Built-in dataset name or a JSONL/CSV path.
    limit : int
        Number of questions from the start of the dataset; 0 means all.
    n_samples : int
        Sampled answers per question (N).
    max_tokens : int
        Maximum new tokens per answer.
    sampler : str
        Sampler preset name the parameters came from.
    sampler_params : SamplerParams
        The explicit sampler values used.
    seed : int
        Run seed; each sample's seed derives from (seed, question id, index).
    embedder : str
        Embedding model used by the embedding clusterer and the judge.
    clusterers : tuple of ClusterSpec
        Clusterers applied to every question.
    gpu_layers : int
        Layers offloaded to the GPU by llama.cpp (0 = CPU only).
    n_ctx : int
        Largest context per answer (prompt plus answer), in tokens.
    n_threads : int or None
        CPU threads for llama.cpp; None uses every CPU available.
    decode : str
        ``batched`` decodes many answers together in one llama.cpp batch;
        ``sequential`` decodes one answer at a time (the reference).
    parallel : int
        Batched decoding slots: answers decoded together, across the
        questions of a group. Each slot has its own KV cache, so cache memory
        grows with it.
    group_size : int
        Consecutive questions decoded as one group and committed together.
        Groups are fixed by question position, so a resumed run decodes the
        same groups as an uninterrupted one.
    flash_attn : bool
        Use llama.cpp's flash attention. It shifts token entropies slightly
        (about 0.01 nats on SmolLM2), so runs that are compared should agree.
    kv_type : str
        Element type of the KV cache (``f16``, ``q8_0`` or ``f32``); like
        flash attention, it shifts logits slightly.
    """

    model: str = "smollm2-135m-instruct"
    dataset: str = "truthfulqa"
    limit: int = 100
    n_samples: int = 10
    max_tokens: int = 100
    sampler: str = "ollama"
    sampler_params: SamplerParams = field(default_factory=lambda: SAMPLER_PRESETS["ollama"])
    seed: int = 0
    embedder: str = "minilm-l6-int8"
    clusterers: tuple[ClusterSpec, ...] = field(default_factory=_default_clusterers)
    gpu_layers: int = 0
    n_ctx: int = 1024
    n_threads: int | None = None
    decode: str = "batched"
    parallel: int = 32
    group_size: int = 8
    flash_attn: bool = False
    kv_type: str = "f16"

    def validate(self) -> None:
        """Raise ConfigError naming the first value out of range."""
        if self.limit < 0:
            raise ConfigError("--limit", self.limit, "use 0 (all questions) or a positive integer")
        if not 1 <= self.n_samples <= 200:
            raise ConfigError("--samples", self.n_samples, "use an integer from 1 to 200")
        if not 1 <= self.max_tokens <= 4096:
            raise ConfigError("--max-tokens", self.max_tokens, "use an integer from 1 to 4096")
        if self.sampler not in SAMPLER_PRESETS:
            raise ConfigError(
                "--sampler", self.sampler, f"use one of: {', '.join(sorted(SAMPLER_PRESETS))}"
            )
        if self.seed < 0 or self.seed >= 2**63:
            raise ConfigError("--seed", self.seed, "use an integer from 0 to 2**63 - 1")
        if self.gpu_layers < -1:
            raise ConfigError("--gpu-layers", self.gpu_layers, "use -1 (all), 0 (CPU) or more")
        if self.decode not in DECODE_MODES:
            raise ConfigError("--decode", self.decode, f"use one of: {', '.join(DECODE_MODES)}")
        if not 1 <= self.parallel <= 256:
            raise ConfigError("--parallel", self.parallel, "use an integer from 1 to 256")
        if not 1 <= self.group_size <= 1024:
            raise ConfigError("--group-size", self.group_size, "use an integer from 1 to 1024")
        if self.kv_type not in KV_CACHE_TYPES:
            raise ConfigError("--kv-type", self.kv_type,
                              f"use one of: {', '.join(KV_CACHE_TYPES)}")
        if self.n_threads is not None and self.n_threads < 1:
            raise ConfigError("--threads", self.n_threads, "use a positive integer")
        if self.n_ctx < self.max_tokens + 64:
            raise ConfigError("n_ctx", self.n_ctx, "must exceed --max-tokens by at least 64")
        self.sampler_params.validate()
        if not self.clusterers:
            raise ConfigError("--cluster", "", "give at least one clusterer")

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (enums as their values)."""
        data = dataclasses.asdict(self)
        data["clusterers"] = [c.to_json() for c in self.clusterers]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunSettings:
        """Rebuild settings from :meth:`to_json` output."""
        values = dict(data)
        values["sampler_params"] = SamplerParams(**values["sampler_params"])
        values["clusterers"] = tuple(ClusterSpec.from_json(c) for c in values["clusterers"])
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


# Keys readable from HOMOG_* variables and config.toml, with their types.
_SCALAR_KEYS: dict[str, type] = {
    "model": str,
    "dataset": str,
    "limit": int,
    "n_samples": int,
    "max_tokens": int,
    "sampler": str,
    "seed": int,
    "embedder": str,
    "gpu_layers": int,
    "n_ctx": int,
    "n_threads": int,
    "decode": str,
    "parallel": int,
    "group_size": int,
    "flash_attn": bool,
    "kv_type": str,
    "temperature": float,
}


def _coerce(key: str, raw: object, origin: str) -> object:
    kind = _SCALAR_KEYS[key]
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{origin} {key}", raw, "must be true or false (or 1/0)")
    try:
        return kind(raw)
    except (TypeError, ValueError):
        kind_name = {int: "an integer", float: "a number", str: "a string"}[kind]  # type: ignore[index]
        raise ConfigError(f"{origin} {key}", raw, f"must be {kind_name}") from None


def _layer_from_config(path: Path) -> dict[str, object]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(str(path), str(error), "fix the TOML syntax or delete the file") from None
    section = data.get("run", data)
    layer: dict[str, object] = {}
    for key, raw in section.items():
        if key not in _SCALAR_KEYS:
            raise ConfigError(
                f"{path} key", key, f"known keys: {', '.join(sorted(_SCALAR_KEYS))}"
            )
        layer[key] = _coerce(key, raw, str(path))
    return layer


def _layer_from_env() -> dict[str, object]:
    layer: dict[str, object] = {}
    for key in _SCALAR_KEYS:
        raw = os.environ.get(f"HOMOG_{key.upper()}")
        if raw is not None and raw != "":
            layer[key] = _coerce(key, raw, f"HOMOG_{key.upper()}")
    return layer


def resolve_settings(
    explicit: dict[str, object], config_path: Path | None = None
) -> RunSettings:
    """Merge explicit values, environment, config file and defaults into settings.

    Parameters
    ----------
    explicit : dict
        Values set by the user (flags or form); ``None`` values are ignored.
        Keys are :data:`_SCALAR_KEYS` plus ``clusterers`` (tuple of ClusterSpec).
    config_path : Path, optional
        Config file; defaults to ``$HOMOG_HOME/config.toml``.

    Returns
    -------
    RunSettings
        Validated settings.

    Raises
    ------
    ConfigError
        When a value is out of range or of the wrong type.
    """
    from homog_local.dirs import data_dir

    path = config_path if config_path is not None else data_dir() / "config.toml"
    merged: dict[str, object] = {}
    from_config = _layer_from_config(path)
    from_env = _layer_from_env()
    origins = {key: str(path) for key in from_config}
    origins.update({key: f"HOMOG_{key.upper()}" for key in from_env})
    merged.update(from_config)
    merged.update(from_env)
    merged.update({k: v for k, v in explicit.items() if v is not None})
    for key, value in explicit.items():
        if value is not None:
            origins.pop(key, None)

    sampler = str(merged.pop("sampler", "ollama"))
    if sampler not in SAMPLER_PRESETS:
        raise ConfigError("--sampler", sampler, f"use one of: {', '.join(sorted(SAMPLER_PRESETS))}")
    params = SAMPLER_PRESETS[sampler]
    temperature = merged.pop("temperature", None)
    if temperature is not None:
        params = dataclasses.replace(params, temperature=float(temperature))  # type: ignore[arg-type]
    embedder = str(merged.get("embedder", "minilm-l6-int8"))
    clusterers = merged.pop("clusterers", None)
    if clusterers is None:
        clusterers = (
            ClusterSpec(ClusterKind.JACCARD, 0.4),
            ClusterSpec(ClusterKind.EMBEDDING, 0.85, embedder),
        )
    settings = RunSettings(
        sampler=sampler,
        sampler_params=params,
        clusterers=tuple(clusterers),  # type: ignore[arg-type]
        **merged,  # type: ignore[arg-type]
    )
    try:
        settings.validate()
    except ConfigError as error:
        # Name the variable or file the bad value came from, not a flag the
        # user never passed.
        key = _KEY_OF_FLAG.get(error.key)
        if key is not None and key in origins:
            raise ConfigError(f"{origins[key]} {key}", error.value, error.allowed) from None
        raise
    return settings


# Settings keys of the flags that validation errors name.
_KEY_OF_FLAG = {
    "--limit": "limit", "--samples": "n_samples", "--max-tokens": "max_tokens",
    "--sampler": "sampler", "--seed": "seed", "--gpu-layers": "gpu_layers",
    "--threads": "n_threads", "--decode": "decode", "--parallel": "parallel",
    "--group-size": "group_size", "--kv-type": "kv_type", "n_ctx": "n_ctx",
    "--temperature": "temperature",
}
