"""Content-keyed caches of NLI pair probabilities and embeddings, and clusterer records.

The caches are keyed by hashes of the model file and of the texts, never by
run, so a re-run or a re-score with the same model reuses every pair and every
embedding that was computed before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from homog_local.store.db import Store, utc_now

__all__ = [
    "ClusterStats",
    "EmbeddingCache",
    "NliPairCache",
    "save_cluster_method",
    "save_cluster_stats",
    "text_sha256",
]

# SQLite caps the number of bound parameters per statement (32766 since 3.32);
# lookups stay well below it.
_LOOKUP_CHUNK = 400


def text_sha256(text: str) -> str:
    """Return the hex sha256 of a text's UTF-8 bytes.

    Examples
    --------
    >>> text_sha256("")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class NliPairCache:
    """NLI probabilities of (premise, hypothesis) pairs, stored in SQLite.

    Parameters
    ----------
    store : Store
        The database that holds the ``nli_pairs`` table.
    model_sha256 : str
        sha256 of the ONNX model file.
    max_length : int
        Token limit the model ran with; a different limit is a different key,
        because truncation changes the probabilities.

    Notes
    -----
    Probabilities are rows ``(p_contradiction, p_neutral, p_entailment)``.
    """

    def __init__(self, store: Store, model_sha256: str, max_length: int) -> None:
        self.store = store
        self.model_sha256 = model_sha256
        self.max_length = max_length

    def get_many(
        self, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], npt.NDArray[np.float64]]:
        """Return the cached probabilities of the pairs that are cached, keyed by pair."""
        keyed = {(text_sha256(a), text_sha256(b)): (a, b) for a, b in pairs}
        found: dict[tuple[str, str], npt.NDArray[np.float64]] = {}
        keys = list(keyed)
        for start in range(0, len(keys), _LOOKUP_CHUNK):
            chunk = keys[start : start + _LOOKUP_CHUNK]
            condition = " OR ".join(["(premise_sha256 = ? AND hypothesis_sha256 = ?)"] * len(chunk))
            params: list[Any] = [self.model_sha256, self.max_length]
            for premise, hypothesis in chunk:
                params.extend((premise, hypothesis))
            rows = self.store.query(
                "SELECT premise_sha256, hypothesis_sha256, p_contradiction, p_neutral,"
                " p_entailment FROM nli_pairs WHERE model_sha256 = ? AND max_length = ?"
                f" AND ({condition})",
                params,
            )
            for row in rows:
                pair = keyed[(row[0], row[1])]
                found[pair] = np.array([row[2], row[3], row[4]], dtype=np.float64)
        return found

    def put_many(self, items: Mapping[tuple[str, str], npt.NDArray[np.floating]]) -> None:
        """Store probabilities of pairs in one transaction (existing rows are replaced)."""
        if not items:
            return
        rows = [
            (self.model_sha256, self.max_length, text_sha256(a), text_sha256(b),
             float(p[0]), float(p[1]), float(p[2]))
            for (a, b), p in items.items()
        ]
        with self.store._write() as conn:
            conn.executemany("INSERT OR REPLACE INTO nli_pairs VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


class EmbeddingCache:
    """Embeddings of texts, stored in SQLite as float32 blobs.

    Parameters
    ----------
    store : Store
        The database that holds the ``embeddings`` table.
    model_sha256 : str
        sha256 of the ONNX embedder file.
    max_length : int
        Token limit of the embedder.
    """

    def __init__(self, store: Store, model_sha256: str, max_length: int) -> None:
        self.store = store
        self.model_sha256 = model_sha256
        self.max_length = max_length

    def get_many(self, texts: Iterable[str]) -> dict[str, npt.NDArray[np.float32]]:
        """Return the cached vectors of the texts that are cached, keyed by text."""
        keyed = {text_sha256(text): text for text in texts}
        keys = list(keyed)
        found: dict[str, npt.NDArray[np.float32]] = {}
        for start in range(0, len(keys), _LOOKUP_CHUNK):
            chunk = keys[start : start + _LOOKUP_CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows = self.store.query(
                "SELECT text_sha256, dim, vector FROM embeddings WHERE model_sha256 = ?"
                f" AND max_length = ? AND text_sha256 IN ({marks})",
                [self.model_sha256, self.max_length, *chunk],
            )
            for row in rows:
                vector = np.frombuffer(row[2], dtype=np.float32)
                if vector.shape[0] == row[1]:
                    found[keyed[row[0]]] = vector
        return found

    def put_many(self, vectors: Mapping[str, npt.NDArray[np.floating]]) -> None:
        """Store vectors of texts in one transaction (existing rows are replaced)."""
        if not vectors:
            return
        rows = []
        for text, vector in vectors.items():
            data = np.ascontiguousarray(vector, dtype=np.float32)
            rows.append((self.model_sha256, self.max_length, text_sha256(text),
                         int(data.shape[0]), data.tobytes()))
        with self.store._write() as conn:
            conn.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?, ?)", rows)


@dataclass(frozen=True)
class ClusterStats:
    """Cost of clustering one question with one method.

    Parameters
    ----------
    method : str
        Clusterer label.
    seconds : float
        Wall time of clustering and its graph scores.
    n_model_calls : int
        Distinct unordered text pairs sent to the NLI or LLM model (both
        directions of a pair count as one call), or texts sent to the
        embedder. 0 for Jaccard.
    n_cache_hits : int
        Pairs or texts served by the SQLite cache.
    n_distinct_pairs : int
        Distinct unordered pairs of distinct texts among the samples.
    """

    method: str
    seconds: float
    n_model_calls: int = 0
    n_cache_hits: int = 0
    n_distinct_pairs: int = 0


def save_cluster_method(
    store: Store,
    run_id: int,
    method: str,
    kind: str,
    model: str | None,
    model_sha256: str | None,
    options: Mapping[str, Any],
) -> None:
    """Record how a method label clustered a run: model hash, rule, token limit, prompt."""
    with store._write() as conn:
        conn.execute(
            "INSERT OR REPLACE INTO cluster_methods VALUES (?, ?, ?, ?, ?, ?, ?)",
            (run_id, method, kind, model, model_sha256, json.dumps(dict(options), sort_keys=True),
             utc_now()),
        )


def save_cluster_stats(store: Store, run_id: int, qid: str, stats: Sequence[ClusterStats]) -> None:
    """Store (or replace) the clustering costs of one question."""
    with store._write() as conn:
        conn.executemany(
            "INSERT OR REPLACE INTO cluster_stats VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(run_id, qid, s.method, s.seconds, s.n_model_calls, s.n_cache_hits,
              s.n_distinct_pairs) for s in stats],
        )
