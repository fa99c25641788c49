"""B2: how densely a question's neighbourhood in the dataset is populated, stored as a signal.

A question far from the other questions of its benchmark (low mean cosine
similarity to its nearest neighbours) is treated as less typical, so the
signal is the negated mean similarity: higher means less certain.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from homog_local.datasets import BUILTIN_DATASETS, LoadResult, Question, load_dataset
from homog_local.density.knn import knn_mean_similarity
from homog_local.store import Store
from homog_local.store.records import RunRecord, SignalRecord, StageCost

__all__ = [
    "B2_SIGNAL",
    "DEFAULT_K",
    "STAGE_DENSITY",
    "DensityOutcome",
    "LoadedEmbedder",
    "dataset_embeddings",
    "ensure_density_signal",
    "load_run_dataset",
]

log = logging.getLogger(__name__)

#: Stored name of the B2 signal (negated mean k-NN cosine similarity).
B2_SIGNAL = "b2_density_uncertainty"
#: Stage name of B2's measured cost in the ``costs`` table.
STAGE_DENSITY = "density"
#: Neighbours averaged per question.
DEFAULT_K = 10


class Embedder(Protocol):
    """Sentence embedder interface that B2 needs."""

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Return one embedding row per text."""


@dataclass(frozen=True)
class LoadedEmbedder:
    """An embedder with the hash that identifies its weights in the cache key.

    Attributes
    ----------
    embedder : Embedder
        The loaded model.
    model_sha256 : str
        Hex sha256 of the model file (any stable string for test fakes).
    """

    embedder: Embedder
    model_sha256: str


@dataclass(frozen=True)
class DensityOutcome:
    """Result of one call of :func:`ensure_density_signal`.

    Attributes
    ----------
    n_computed : int
        Questions whose B2 was computed and stored by this call.
    n_undefined : int
        Of those, questions stored as undefined (with the reason).
    seconds : float
        Wall time of the call, dataset embedding included.
    cache_hit : bool
        Whether the dataset embeddings came from the on-disk cache.
    n_dataset : int
        Questions of the whole dataset used as neighbours; 0 when every
        question already had B2, so nothing was loaded.
    k : int
        Neighbours per question.
    """

    n_computed: int
    n_undefined: int
    seconds: float
    cache_hit: bool
    n_dataset: int
    k: int


def _default_loader(name: str) -> LoadedEmbedder:
    from homog_local.embed import load_embedder
    from homog_local.models import ModelRole, resolve_model

    entry = resolve_model(name, ModelRole.EMBEDDER)
    return LoadedEmbedder(load_embedder(name), entry.sha256 or entry.name)


def load_run_dataset(run: RunRecord) -> LoadResult:
    """Load every question of a run's dataset: the builtin by name, a file by its path.

    Raises
    ------
    DatasetError
        When the file of a file dataset is gone or no longer readable.
    """
    if run.dataset in BUILTIN_DATASETS:
        return load_dataset(run.dataset)
    return load_dataset(run.dataset_source)


def _cache_path(dataset: str, questions: Sequence[Question], model_sha256: str) -> Path:
    from homog_local.dirs import cache_dir

    content = hashlib.sha256()
    for question in questions:
        content.update(f"{question.qid}\x1f{question.text}\x1e".encode())
    safe_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", dataset)[:60]
    model_key = hashlib.sha256(model_sha256.encode()).hexdigest()[:16]
    name = f"{safe_name}-{content.hexdigest()[:16]}-{model_key}.npz"
    return cache_dir() / "density" / name


def dataset_embeddings(
    dataset: str, questions: Sequence[Question], loaded: LoadedEmbedder
) -> tuple[np.ndarray, bool]:
    """Embed every question of a dataset once and keep the matrix in the cache folder.

    Parameters
    ----------
    dataset : str
        Dataset name, used in the cache file name.
    questions : sequence of Question
        All questions of the dataset, in dataset order.
    loaded : LoadedEmbedder
        The embedder and its model hash.

    Returns
    -------
    embeddings : numpy.ndarray of float32, shape (len(questions), dim)
        Row ``i`` embeds ``questions[i].text``.
    cache_hit : bool
        Whether the matrix was read from the cache.

    Notes
    -----
    The cache file is named by the dataset, a hash of every (qid, text) pair
    and the model hash, so an edited dataset file or another embedder gets a
    new file. Old files are never deleted.
    """
    path = _cache_path(dataset, questions, loaded.model_sha256)
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as cached:
                matrix = np.asarray(cached["embeddings"], dtype=np.float32)
            if matrix.shape[0] == len(questions):
                return matrix, True
            log.warning("ignoring %s: %d rows for %d questions", path, matrix.shape[0],
                        len(questions))
        except (OSError, ValueError, KeyError) as error:
            log.warning("ignoring unreadable density cache %s: %s", path, error)
    matrix = np.asarray(loaded.embedder.embed([q.text for q in questions]), dtype=np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write to a temporary file first so a crash never leaves a half-written cache.
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    os.close(handle)
    try:
        np.savez(temporary, embeddings=matrix)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return matrix, False


def ensure_density_signal(
    store: Store,
    run_id: int,
    *,
    k: int = DEFAULT_K,
    embedder_loader: Callable[[str], LoadedEmbedder] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> DensityOutcome:
    """Compute and store B2 for the run's finished questions that lack it.

    Parameters
    ----------
    store : Store
        The store holding the run.
    run_id : int
        Run id.
    k : int, default 10
        Nearest other questions averaged per question.
    embedder_loader : callable, optional
        Loads an embedder by name; by default the run's settings ``embedder``
        is loaded with :func:`homog_local.embed.load_embedder`. Tests pass fakes.
    clock : callable, default time.perf_counter
        Monotonic clock in seconds.

    Returns
    -------
    DensityOutcome

    Raises
    ------
    RunNotFoundError
        When the run does not exist.
    DatasetError, ModelLoadError
        When the run's dataset or embedder cannot be loaded.

    Notes
    -----
    The neighbours are the other questions of the whole dataset, not only of
    the run. Each question is embedded on its own and compared with the cached
    dataset matrix, the way a new question would be scored; that time is its
    ``density`` stage cost. The one-off dataset embedding is logged, not stored
    per question. B2 is undefined, with the reason stored, for a question whose
    qid is missing from the dataset or whose text changed since the run.
    Questions whose B2 is already stored, defined or not, are skipped.
    """
    start = clock()
    run = store.get_run(run_id)
    stored = store.signals(run_id)
    pending = [
        row for row in store.questions(run_id)
        if row["done_utc"] is not None and B2_SIGNAL not in stored.get(row["qid"], {})
    ]  # fmt: skip
    if not pending:
        return DensityOutcome(0, 0, 0.0, False, 0, k)
    embedder_name = str(run.settings.get("embedder", "minilm-l6-int8"))
    loaded = (embedder_loader or _default_loader)(embedder_name)
    dataset = load_run_dataset(run)
    questions = dataset.questions
    reference, cache_hit = dataset_embeddings(dataset.name, questions, loaded)
    position = {q.qid: i for i, q in enumerate(questions)}
    if len(questions) - 1 < k:
        log.warning("dataset %s has %d questions, so B2 averages %d neighbours instead of %d",
                    dataset.name, len(questions), max(len(questions) - 1, 0), k)
    n_undefined = 0
    for row in pending:
        qid = row["qid"]
        index = position.get(qid)
        if index is None or questions[index].text != row["text"]:
            reason = ("question not found in the dataset" if index is None
                      else "question text differs from the dataset file")
            store.save_scores(run_id, qid, [], [SignalRecord(B2_SIGNAL, None, True, reason)])
            n_undefined += 1
            continue
        t0 = clock()
        vector = loaded.embedder.embed([row["text"]])
        value = float(knn_mean_similarity(vector, reference, k, [index])[0])
        seconds = clock() - t0
        if np.isnan(value):
            record = SignalRecord(B2_SIGNAL, None, True, "the dataset has no other question")
            n_undefined += 1
        else:
            record = SignalRecord(B2_SIGNAL, -value)
        store.save_scores(run_id, qid, [], [record])
        store.save_costs(run_id, qid, [StageCost(STAGE_DENSITY, seconds, 0)])
    elapsed = clock() - start
    log.info(
        "computed B2 (k=%d over %d dataset questions, %s) for %d questions of run %d in %.2f s",
        k, len(questions), "cached embeddings" if cache_hit else "dataset embedded now",
        len(pending), run_id, elapsed,
    )  # fmt: skip
    if n_undefined:
        log.warning("B2 is undefined for %d questions of run %d; the reasons are stored",
                    n_undefined, run_id)
    return DensityOutcome(len(pending), n_undefined, elapsed, cache_hit, len(questions), k)
