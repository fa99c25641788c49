"""Create, run and resume runs over the store.

A group of consecutive questions is one transaction: their greedy answers,
samples, clusters, signals, labels and costs are committed together, so a run
killed at any moment loses at most the group in flight and resumes where it
stopped, decoding the same groups.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from homog_local.datasets import load_dataset
from homog_local.errors import ModelLoadError, RunCancelled
from homog_local.generation import PROMPT_TEMPLATE
from homog_local.models import ModelEntry, ModelKind, ModelRole, resolve_model
from homog_local.runner.backends import (
    BackendFactory,
    EmbedderFactory,
    default_backend,
    default_embedder,
    question_group_size,
)
from homog_local.runner.environment import environment_facts
from homog_local.runner.progress import RunProgress
from homog_local.runner.question_loop import QuestionLoop
from homog_local.settings import ClusterKind, RunSettings
from homog_local.store import Store

__all__ = ["RunEngine", "RunOutcome"]

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class RunOutcome:
    """Outcome of one :meth:`RunEngine.execute` call.

    Parameters
    ----------
    run_id : int
        Run id.
    status : str
        ``finished``, ``interrupted`` or ``failed``.
    n_done_now : int
        Questions stored by this call.
    n_empty_answers : int
        Empty answers stored (kept and flagged) by this call.
    """

    run_id: int
    status: str
    n_done_now: int
    n_empty_answers: int


class RunEngine:
    """Run homogenization measurements into a store.

    Parameters
    ----------
    store : Store
        Where runs live.
    backend_factory : callable, optional
        Builds the generator from a model entry; tests pass fakes.
    embedder_factory : callable, optional
        Builds an embedder from a model name.
    clock : callable, optional
        Monotonic clock in seconds.
    """

    def __init__(
        self,
        store: Store,
        *,
        backend_factory: BackendFactory | None = None,
        embedder_factory: EmbedderFactory | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.store = store
        self._backend_factory = backend_factory or default_backend
        self._embedder_factory = embedder_factory or default_embedder
        self._clock = clock

    def create(self, settings: RunSettings) -> int:
        """Validate settings, resolve the model and dataset, and store a new run.

        Returns
        -------
        int
            The new run id.

        Raises
        ------
        ConfigError, DatasetError, ModelLoadError
            When a setting, the dataset or the model is not usable; nothing
            is stored then.
        """
        settings.validate()
        entry = resolve_model(settings.model, ModelRole.GENERATOR)
        for spec in settings.clusterers:
            if spec.kind is ClusterKind.EMBEDDING and spec.model is not None:
                resolve_model(spec.model, ModelRole.EMBEDDER, verify_sha256=False)
            elif spec.kind is ClusterKind.NLI and spec.model is not None:
                resolve_model(spec.model, ModelRole.NLI, verify_sha256=False)
            elif spec.kind is ClusterKind.LLM and spec.model is not None:
                resolve_model(spec.model, ModelRole.GENERATOR, verify_sha256=False)
        loaded = load_dataset(settings.dataset, limit=settings.limit or None)
        kind = entry.kind.value if entry.kind is not None else (
            "instruct" if entry.has_chat_template else "base"
        )
        run_id = self.store.create_run(
            settings=settings.to_json(),
            model_name=entry.name,
            model_path=str(entry.path),
            model_sha256=entry.sha256 or "",
            model_kind=kind,
            dataset=loaded.name,
            dataset_source=loaded.source,
            questions=loaded.questions,
            n_skipped_rows=len(loaded.skipped),
            seed=settings.seed,
            prompt_template=PROMPT_TEMPLATE,
            environment=environment_facts(),
        )
        for row in loaded.skipped:
            self.store.add_event(
                run_id, "warning", "skipped_row",
                f"{loaded.source} line {row.line}: {row.reason}"
                + (f" (field {row.field!r})" if row.field else ""),
            )
        log.info("created run %d: %s on %s, %d questions", run_id, entry.name, loaded.name,
                 len(loaded.questions))
        return run_id

    def execute(
        self,
        run_id: int,
        *,
        on_progress: Callable[[RunProgress], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> RunOutcome:
        """Run (or resume) a stored run until every question is done or it is cancelled.

        Parameters
        ----------
        run_id : int
            A run from :meth:`create`, possibly interrupted earlier.
        on_progress : callable, optional
            Called after each stored question.
        cancel : threading.Event, optional
            Checked between samples and between questions.

        Returns
        -------
        RunOutcome
            ``finished`` or ``interrupted``; other failures raise after the
            run is marked ``failed``.
        """
        run = self.store.get_run(run_id)
        settings = RunSettings.from_json(run.settings)
        pending = self.store.pending_questions(run_id)
        if not pending:
            self.store.set_status(run_id, "finished")
            return RunOutcome(run_id, "finished", 0, 0)

        entry = resolve_model(run.model_path, ModelRole.GENERATOR)
        if run.model_sha256 and entry.sha256 and entry.sha256 != run.model_sha256:
            raise ModelLoadError(
                run.model_path,
                f"the file changed since run {run_id} started (sha256 {entry.sha256[:12]}… "
                f"instead of {run.model_sha256[:12]}…); start a new run instead of resuming",
            )
        entry = _with_kind(entry, run.model_kind)
        backend = self._backend_factory(entry, settings)
        _record_decoding(self.store, run_id, settings, backend)
        self.store.set_status(run_id, "running")
        loop = QuestionLoop(self, run_id, run.dataset, settings, backend, cancel)
        status = "failed"
        try:
            loop.run(pending, run.n_questions, run.n_done, on_progress)
            status = "finished"
        except (RunCancelled, KeyboardInterrupt):
            status = "interrupted"
            if not isinstance(cancel, threading.Event) or not cancel.is_set():
                raise
        except BaseException as error:
            self.store.set_status(run_id, "failed", str(error))
            raise
        finally:
            backend.close()
            loop.scorer.close()
            if status != "failed":
                self.store.set_status(run_id, status)
            elif loop.interrupted:
                self.store.set_status(run_id, "interrupted")
        return RunOutcome(run_id, status, loop.n_done_now, loop.n_empty)


def _record_decoding(store: Store, run_id: int, settings: RunSettings, backend: object) -> None:
    """Store how this execution decodes; a fallback to one slot is a warning."""
    facts = getattr(backend, "decode_facts", None)
    if facts is None:
        return
    values = facts()
    fallback = values.get("fallback")
    mode = "batched" if values.get("slots", 1) > 1 else "sequential"
    store.add_event(
        run_id, "info", "decoding",
        f"{mode} decoding, {values.get('slots')} slot(s), groups of "
        f"{question_group_size(settings)} question(s), flash attention "
        f"{'on' if values.get('flash_attn') else 'off'}, KV cache {values.get('kv_type')} "
        f"(at most {values.get('kv_cache_mib')} MiB at the start), "
        f"{values.get('threads')} thread(s)",
    )
    if fallback:
        store.add_event(run_id, "warning", "decode_fallback", str(fallback))


def _with_kind(entry: ModelEntry, stored_kind: str) -> ModelEntry:
    import dataclasses

    return dataclasses.replace(entry, kind=ModelKind(stored_kind))


