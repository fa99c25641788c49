"""Per-sequence decoding state: token choice, stop detection and the final record.

The llama.cpp backend advances several sequences in one batch. Each sequence
keeps its own tokens, random generator and stop condition here, so its result
does not depend on which other sequences share the batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np

from homog_local.generation.records import Generation, StopReason
from homog_local.generation.sampling import (
    RowScratch,
    TokenChoice,
    choose_greedy,
    choose_sampled,
)
from homog_local.settings import SamplerParams

__all__ = ["SequenceState"]


class SequenceState:
    """One answer being decoded.

    Parameters
    ----------
    max_tokens : int
        Maximum new tokens.
    stop_strings : sequence of str
        Strings that end the answer; the text is cut before them.
    is_end_token : callable
        Returns True for end-of-generation token ids.
    token_bytes : callable
        Returns the text bytes of a token id.
    params : SamplerParams or None
        Sampler settings; None means greedy decoding.
    seed : int or None
        Seed of the sample's random generator; None for greedy decoding.
    context_left : int
        Tokens that still fit in the context after the prompt.
    with_stats : bool, default True
        Compute each token's full-vocabulary entropy and log-probability.
    """

    def __init__(
        self,
        *,
        max_tokens: int,
        stop_strings: Sequence[str],
        is_end_token: Callable[[int], bool],
        token_bytes: Callable[[int], bytes],
        params: SamplerParams | None = None,
        seed: int | None = None,
        context_left: int,
        with_stats: bool = True,
    ) -> None:
        self.max_tokens = max_tokens
        self.stop_strings = tuple(stop_strings)
        self._is_end_token = is_end_token
        self._token_bytes = token_bytes
        self.params = params
        self.seed = seed
        self._rng = np.random.Generator(np.random.PCG64(seed)) if seed is not None else None
        self._context_left = context_left
        self._with_stats = with_stats
        self.tokens: list[int] = []
        self._choices: list[TokenChoice] = []
        self._pieces: list[bytes] = []
        self._cut_bytes: int | None = None
        self.stop_reason: StopReason | None = None
        self._started = time.perf_counter()

    @property
    def done(self) -> bool:
        """True once the answer has ended."""
        return self.stop_reason is not None

    def step(self, logits: np.ndarray, scratch: RowScratch | None = None) -> int | None:
        """Choose the next token from a logits row.

        Parameters
        ----------
        logits : ndarray of shape (n_vocab,)
            Raw logits of the next token.
        scratch : RowScratch, optional
            Buffers to reuse; one per thread.

        Returns
        -------
        int or None
            The token to feed back to the model, or None when the answer ended
            (the ending token is not fed back).
        """
        if self.params is None or self._rng is None:
            choice = choose_greedy(logits, with_stats=self._with_stats, scratch=scratch)
        else:
            choice = choose_sampled(logits, self.params, self.tokens, self._rng,
                                    with_stats=self._with_stats, scratch=scratch)
        if self._is_end_token(choice.token):
            self.stop_reason = StopReason.EOS
            return None
        self.tokens.append(choice.token)
        self._choices.append(choice)
        self._pieces.append(self._token_bytes(choice.token))
        if self.stop_strings:
            self._cut_bytes = _find_stop(b"".join(self._pieces), self.stop_strings)
            if self._cut_bytes is not None:
                self.stop_reason = StopReason.STOP_STRING
                return None
        if len(self.tokens) >= self.max_tokens:
            self.stop_reason = StopReason.MAX_TOKENS
            return None
        if len(self.tokens) >= self._context_left:
            self.stop_reason = StopReason.CONTEXT_FULL
            return None
        return choice.token

    def result(self, elapsed_s: float | None = None) -> Generation:
        """Return the finished answer.

        Parameters
        ----------
        elapsed_s : float, optional
            Wall time to record; defaults to the time since this state was made.
        """
        raw = b"".join(self._pieces)
        n_kept = len(self.tokens)
        if self._cut_bytes is not None:
            raw = raw[: self._cut_bytes]
            n_kept = _tokens_within(self._pieces, self._cut_bytes)
        kept = self._choices[:n_kept]
        return Generation(
            token_texts=_token_texts(self._pieces[:n_kept], len(raw)),
            text=raw.decode("utf-8", errors="replace").strip(),
            n_tokens=n_kept,
            stop_reason=self.stop_reason or StopReason.MAX_TOKENS,
            token_entropies=tuple(c.entropy for c in kept),
            log_prob=float(sum(c.log_prob for c in kept)),
            seed=self.seed,
            elapsed_s=elapsed_s if elapsed_s is not None else time.perf_counter() - self._started,
        )


def _token_texts(pieces: Sequence[bytes], n_bytes: int) -> tuple[str, ...]:
    """Split the first n_bytes of the joined pieces into per-token text.

    Each token gets the characters that decode completely once its bytes are
    added, so multi-byte characters split over tokens stay whole.
    """
    texts = []
    done = ""
    joined = b""
    for piece in pieces:
        joined = (joined + piece)[:n_bytes]
        decoded = joined.decode("utf-8", errors="ignore")
        texts.append(decoded[len(done):])
        done = decoded
    return tuple(texts)


def _find_stop(raw: bytes, stop_strings: Sequence[str]) -> int | None:
    """Return the byte offset of the earliest stop string in raw, or None."""
    best: int | None = None
    for stop in stop_strings:
        index = raw.find(stop.encode("utf-8"))
        if index >= 0 and (best is None or index < best):
            best = index
    return best


def _tokens_within(pieces: Sequence[bytes], cut_bytes: int) -> int:
    """Count the tokens that start before cut_bytes."""
    offset = 0
    for count, piece in enumerate(pieces):
        if offset >= cut_bytes:
            return count
        offset += len(piece)
    return len(pieces)
