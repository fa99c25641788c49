"""One question's NLI pair matrix, filled on demand and shared by every score that needs it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from homog_local.cluster.equivalence import EquivalenceTest
from homog_local.cluster.spec import EquivalenceRule
from homog_local.nli.rules import ENTAILMENT, is_equivalent
from homog_local.store.caches import NliPairCache

__all__ = ["NliPairMatrix", "NliPredictor"]

log = logging.getLogger(__name__)

# Identical strings never reach the model: a text entails itself.
_SELF = np.array([0.0, 0.0, 1.0])


class NliPredictor(Protocol):
    """What the matrix needs from an NLI model."""

    def predict(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float64]:
        """Return (len(pairs), 3) probabilities in canonical order."""


class NliPairMatrix:
    """NLI probabilities between the distinct texts of one question's samples.

    Parameters
    ----------
    texts : sequence of str
        The samples, duplicates allowed.
    model : NliPredictor
        The NLI model.
    cache : NliPairCache or None, default None
        SQLite pair cache; None keeps results in this object only.

    Notes
    -----
    Work happens in :meth:`ensure`: for each missing unordered pair of
    distinct texts it reads both directions from the cache, and sends the
    pairs not cached to the model in one batch with both directions.
    :attr:`n_model_calls` counts unordered pairs sent to the model, so it never
    exceeds :attr:`n_distinct_pairs`.
    """

    def __init__(
        self, texts: Sequence[str], model: NliPredictor, cache: NliPairCache | None = None
    ) -> None:
        self.texts = list(texts)
        self.distinct = list(dict.fromkeys(self.texts))
        index_of = {text: index for index, text in enumerate(self.distinct)}
        self.sample_index = [index_of[text] for text in self.texts]
        self._model = model
        self._cache = cache
        self._probs: dict[tuple[int, int], npt.NDArray[np.float64]] = {}
        self.n_model_calls = 0
        self.n_cache_hits = 0

    @property
    def n_distinct_pairs(self) -> int:
        """Unordered pairs of distinct texts: u(u−1)/2 for u distinct texts."""
        n = len(self.distinct)
        return n * (n - 1) // 2

    def ensure(self, pairs: Sequence[tuple[int, int]]) -> None:
        """Make the probabilities of unordered pairs of distinct-text indices available."""
        missing = []
        for i, j in pairs:
            key = (min(i, j), max(i, j))
            if i != j and key not in self._probs and key not in missing:
                missing.append(key)
        if not missing:
            return
        directed = [(self.distinct[i], self.distinct[j]) for i, j in missing]
        directed += [(self.distinct[j], self.distinct[i]) for i, j in missing]
        cached = self._cache.get_many(directed) if self._cache is not None else {}
        to_model = []
        for i, j in missing:
            forward = cached.get((self.distinct[i], self.distinct[j]))
            backward = cached.get((self.distinct[j], self.distinct[i]))
            if forward is not None and backward is not None:
                self._probs[(i, j)] = forward
                self._probs[(j, i)] = backward
                self.n_cache_hits += 1
            else:
                to_model.append((i, j))
        if not to_model:
            return
        batch = [(self.distinct[i], self.distinct[j]) for i, j in to_model]
        batch += [(self.distinct[j], self.distinct[i]) for i, j in to_model]
        probs = self._model.predict(batch)
        half = len(to_model)
        fresh = {}
        for k, (i, j) in enumerate(to_model):
            self._probs[(i, j)] = probs[k]
            self._probs[(j, i)] = probs[half + k]
            fresh[batch[k]] = probs[k]
            fresh[batch[half + k]] = probs[half + k]
        self.n_model_calls += half
        if self._cache is not None:
            self._cache.put_many(fresh)
        log.debug("NLI: %d pairs from the model, %d from the cache", half, len(missing) - half)

    def probs(self, i: int, j: int) -> npt.NDArray[np.float64]:
        """Return probabilities with distinct text ``i`` as premise and ``j`` as hypothesis."""
        if i == j:
            return _SELF
        self.ensure([(i, j)])
        return self._probs[(i, j)]

    def equivalence_test(self, rule: EquivalenceRule, threshold: float) -> EquivalenceTest:
        """Return a batched test over distinct-text indices for :func:`cluster_by_equivalence`."""

        def test(pairs: Sequence[tuple[int, int]]) -> list[bool]:
            self.ensure(pairs)
            return [
                is_equivalent(self.probs(i, j), self.probs(j, i), rule, threshold)
                for i, j in pairs
            ]

        return test

    def entailment_affinity(self) -> npt.NDArray[np.float64]:
        """Return the samples' symmetric affinity W = (p_entail(i→j) + p_entail(j→i)) / 2.

        Returns
        -------
        ndarray of shape (n_samples, n_samples)
            Computes every pair. The diagonal and identical texts are 1.
        """
        u = len(self.distinct)
        self.ensure([(i, j) for i in range(u) for j in range(i + 1, u)])
        distinct = np.eye(u)
        for (i, j), p in self._probs.items():
            distinct[i, j] += p[ENTAILMENT] / 2.0
            distinct[j, i] += p[ENTAILMENT] / 2.0
        index = np.array(self.sample_index, dtype=int)
        return distinct[np.ix_(index, index)]
