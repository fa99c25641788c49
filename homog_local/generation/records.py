"""Records produced by a generation backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from homog_local.generation.prompt import RenderedPrompt
    from homog_local.settings import SamplerParams

__all__ = ["AnswerRequest", "Answers", "Generation", "StopReason"]


class StopReason(StrEnum):
    """Reason a generation ended."""

    EOS = "eos"
    STOP_STRING = "stop_string"
    MAX_TOKENS = "max_tokens"
    CONTEXT_FULL = "context_full"


@dataclass(frozen=True)
class Generation:
    """One generated answer.

    Parameters
    ----------
    text : str
        Decoded answer with surrounding whitespace stripped.
    n_tokens : int
        Tokens kept in the answer (after a stop string cut).
    stop_reason : StopReason
        Why decoding ended.
    token_entropies : tuple of float
        Full-vocabulary Shannon entropy (nats) of the model's next-token
        distribution at each kept token, at temperature 1 and before any
        sampler filter.
    log_prob : float
        Sum of the kept tokens' log-probabilities under the same unfiltered
        distribution (nats); 0.0 for an empty answer.
    seed : int or None
        Sampler seed; None for the greedy answer.
    token_texts : tuple of str
        Text of each kept token, aligned with ``token_entropies``. A character
        split over several tokens belongs to the token that completes it.
    elapsed_s : float
        Wall time spent decoding this answer.
    """

    text: str
    n_tokens: int
    stop_reason: StopReason
    token_entropies: tuple[float, ...] = field(default=())
    log_prob: float = 0.0
    seed: int | None = None
    elapsed_s: float = 0.0
    token_texts: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        """True when the answer has no visible text."""
        return self.text.strip() == ""

    @property
    def mean_entropy(self) -> float | None:
        """Mean token entropy (nats), or None for an empty answer."""
        if not self.token_entropies:
            return None
        return sum(self.token_entropies) / len(self.token_entropies)

    @property
    def max_entropy(self) -> float | None:
        """Max token entropy (nats), or None for an empty answer."""
        return max(self.token_entropies) if self.token_entropies else None


@dataclass(frozen=True)
class AnswerRequest:
    """The answers wanted for one prompt.

    Parameters
    ----------
    prompt : RenderedPrompt
        The rendered prompt.
    seeds : tuple of int
        One sampled answer per seed, in order.
    params : SamplerParams or None
        Sampler settings of the sampled answers; None when ``seeds`` is empty.
    max_tokens : int
        Maximum new tokens per answer.
    greedy : bool, default True
        Also decode the greedy answer.
    with_stats : bool, default True
        Compute each token's full-vocabulary entropy and log-probability.
    """

    prompt: RenderedPrompt
    seeds: tuple[int, ...]
    params: SamplerParams | None
    max_tokens: int
    greedy: bool = True
    with_stats: bool = True


@dataclass(frozen=True)
class Answers:
    """The answers decoded for one :class:`AnswerRequest`.

    Parameters
    ----------
    greedy : Generation or None
        The greedy answer, or None when it was not asked for.
    samples : tuple of Generation
        One answer per seed, in seed order.
    """

    greedy: Generation | None
    samples: tuple[Generation, ...]
