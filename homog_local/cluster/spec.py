"""Clusterer specs: family, threshold, model, NLI rule and assignment, with their labels.

A spec's :attr:`ClusterSpec.method` label names the stored clusters and
signals, so two specs with the same label must cluster the same way.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from homog_local.errors import ConfigError

__all__ = [
    "DEFAULT_LLM_JUDGE",
    "ClusterAssign",
    "ClusterKind",
    "ClusterSpec",
    "EquivalenceRule",
]


class ClusterKind(StrEnum):
    """Clusterer families available to a run."""

    JACCARD = "jaccard"
    EMBEDDING = "embedding"
    NLI = "nli"
    LLM = "llm"


class EquivalenceRule(StrEnum):
    """When an NLI model counts two answers as the same meaning.

    ``entail``: the predicted label (argmax) is entailment in both directions.
    ``no-contradiction``: the predicted label is not contradiction in either
    direction. ``entail-prob``: the entailment probability exceeds the
    threshold τ in both directions.
    """

    ENTAIL = "entail"
    NO_CONTRADICTION = "no-contradiction"
    ENTAIL_PROB = "entail-prob"


class ClusterAssign(StrEnum):
    """How pairwise equivalence becomes clusters.

    ``greedy`` compares each answer with the first member of each existing
    cluster and joins the first equivalent one (Kuhn et al. 2023).
    ``components`` takes the connected components of the full pairwise
    equivalence graph.
    """

    GREEDY = "greedy"
    COMPONENTS = "components"


_DEFAULT_TAU = {
    ClusterKind.JACCARD: 0.4,
    ClusterKind.EMBEDDING: 0.85,
    ClusterKind.NLI: 0.5,
    ClusterKind.LLM: 0.5,
}
DEFAULT_LLM_JUDGE = "smollm2-135m-instruct"
_CLUSTER_FORMS = (
    "jaccard[@TAU], embedding[:MODEL][@TAU], nli:MODEL[:RULE[:ASSIGN]][@TAU] "
    "or llm[:MODEL[:ASSIGN]]"
)


@dataclass(frozen=True)
class ClusterSpec:
    """One clusterer with its threshold, recorded with every cluster result.

    Parameters
    ----------
    kind : ClusterKind
        Clusterer family.
    threshold : float
        Similarity threshold τ: Jaccard similarity for ``jaccard``, cosine
        similarity for ``embedding`` (cut at cosine distance 1 − τ), and the
        entailment probability for the NLI rule ``entail-prob``. Other NLI
        rules and ``llm`` ignore it.
    model : str or None
        Embedding, NLI or LLM judge model name; None for ``jaccard``.
    rule : EquivalenceRule or None
        NLI equivalence rule; None for other kinds.
    assign : ClusterAssign or None
        Cluster assignment of ``nli`` and ``llm``; None for other kinds.
    """

    kind: ClusterKind
    threshold: float
    model: str | None = None
    rule: EquivalenceRule | None = None
    assign: ClusterAssign | None = None

    @property
    def uses_threshold(self) -> bool:
        """Whether τ changes the clusters of this clusterer."""
        if self.kind is ClusterKind.LLM:
            return False
        if self.kind is ClusterKind.NLI:
            return self.rule is EquivalenceRule.ENTAIL_PROB
        return True

    @property
    def method(self) -> str:
        """Stable method label, for example ``jaccard@0.4`` or ``nli:MODEL:entail:greedy``."""
        parts = [self.kind.value]
        if self.model is not None:
            parts.append(self.model)
        if self.rule is not None:
            parts.append(self.rule.value)
        if self.assign is not None:
            parts.append(self.assign.value)
        name = ":".join(parts)
        return f"{name}@{self.threshold:g}" if self.uses_threshold else name

    def with_threshold(self, threshold: float) -> ClusterSpec:
        """Return a copy with another τ, validated like :meth:`parse`."""
        if not 0.0 < threshold <= 1.0:
            raise ConfigError("--threshold", threshold, "use a number in (0, 1]")
        return dataclasses.replace(self, threshold=threshold)

    @classmethod
    def parse(cls, text: str, default_embedder: str) -> ClusterSpec:
        """Parse a clusterer spec such as ``jaccard@0.5`` or ``nli:MODEL:entail-prob@0.7``.

        Parameters
        ----------
        text : str
            ``jaccard[@TAU]``, ``embedding[:MODEL][@TAU]``,
            ``nli:MODEL[:RULE[:ASSIGN]][@TAU]`` or ``llm[:MODEL[:ASSIGN]]``.
            RULE defaults to ``entail`` and ASSIGN to ``greedy``.
        default_embedder : str
            Embedding model used when ``embedding`` names none.

        Returns
        -------
        ClusterSpec

        Raises
        ------
        ConfigError
            Unknown kind, rule or assignment, τ outside (0, 1], a missing NLI
            model, or τ given to a clusterer that ignores it.
        """
        body, has_tau, tau_text = text.partition("@")
        kind_text, *fields = body.split(":")
        try:
            kind = ClusterKind(kind_text)
        except ValueError:
            raise ConfigError("--cluster", text, f"use {_CLUSTER_FORMS}") from None
        try:
            tau = float(tau_text) if tau_text else _DEFAULT_TAU[kind]
        except ValueError:
            raise ConfigError("--cluster", text, "τ after @ must be a number in (0, 1]") from None
        if not 0.0 < tau <= 1.0:
            raise ConfigError("--cluster", text, "τ after @ must be a number in (0, 1]")
        if kind is ClusterKind.JACCARD:
            if fields:
                raise ConfigError("--cluster", text, "jaccard takes no model; use jaccard[@TAU]")
            return cls(kind, tau, None)
        if kind is ClusterKind.EMBEDDING:
            if len(fields) > 1:
                raise ConfigError("--cluster", text, "use embedding[:MODEL][@TAU]")
            return cls(kind, tau, (fields[0] if fields else "") or default_embedder)
        if kind is ClusterKind.NLI:
            return cls._parse_nli(text, fields, tau, bool(has_tau))
        return cls._parse_llm(text, fields, bool(has_tau))

    @classmethod
    def _parse_nli(cls, text: str, fields: list[str], tau: float, has_tau: bool) -> ClusterSpec:
        if not fields or not fields[0] or len(fields) > 3:
            raise ConfigError(
                "--cluster", text, "nli needs a model: nli:MODEL[:RULE[:ASSIGN]][@TAU] "
                "(`homog models list` shows NLI models; `homog models add PATH` adds one)"
            )
        rule = _enum_field(EquivalenceRule, fields, 1, EquivalenceRule.ENTAIL, text)
        assign = _enum_field(ClusterAssign, fields, 2, ClusterAssign.GREEDY, text)
        spec = cls(ClusterKind.NLI, tau, fields[0], rule, assign)
        if has_tau and not spec.uses_threshold:
            raise ConfigError(
                "--cluster", text, f"rule {rule.value} ignores τ; drop @TAU or use rule entail-prob"
            )
        return spec

    @classmethod
    def _parse_llm(cls, text: str, fields: list[str], has_tau: bool) -> ClusterSpec:
        if has_tau or len(fields) > 2:
            raise ConfigError("--cluster", text, "use llm[:MODEL[:ASSIGN]] (no @TAU)")
        model = (fields[0] if fields else "") or DEFAULT_LLM_JUDGE
        assign = _enum_field(ClusterAssign, fields, 1, ClusterAssign.GREEDY, text)
        return cls(ClusterKind.LLM, _DEFAULT_TAU[ClusterKind.LLM], model, None, assign)

    def to_json(self) -> dict[str, Any]:
        """Return the spec as JSON-ready values."""
        return {
            "kind": self.kind.value,
            "threshold": self.threshold,
            "model": self.model,
            "rule": self.rule.value if self.rule is not None else None,
            "assign": self.assign.value if self.assign is not None else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClusterSpec:
        """Rebuild a spec from :meth:`to_json` output (older runs lack rule and assign)."""
        rule = data.get("rule")
        assign = data.get("assign")
        return cls(
            ClusterKind(data["kind"]),
            float(data["threshold"]),
            data.get("model"),
            EquivalenceRule(rule) if rule else None,
            ClusterAssign(assign) if assign else None,
        )


def _enum_field(
    enum: type[Any], fields: list[str], index: int, default: Any, text: str
) -> Any:
    if index >= len(fields) or not fields[index]:
        return default
    try:
        return enum(fields[index])
    except ValueError:
        allowed = ", ".join(item.value for item in enum)
        raise ConfigError("--cluster", text, f"{fields[index]!r} is not one of {allowed}") from None
