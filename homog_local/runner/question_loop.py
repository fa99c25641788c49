"""One execute() call of a run: generate, cluster, score, label and store each question."""

from __future__ import annotations

import json
import logging
import threading
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from homog_local.datasets import BUILTIN_DATASETS, Question
from homog_local.errors import RunCancelled, SamplerHealthWarning
from homog_local.generation import AnswerRequest, Answers, Generation, RenderedPrompt, sample_seed
from homog_local.judges import Judge, judges_for
from homog_local.runner.backends import (
    Embedder,
    GeneratorBackend,
    generate_answers,
    question_group_size,
)
from homog_local.runner.progress import RunProgress, ScrTracker
from homog_local.scoring import QuestionScorer
from homog_local.settings import RunSettings
from homog_local.signals import STAGE_GREEDY, STAGE_SAMPLING, compute_signals
from homog_local.store import QuestionResult
from homog_local.store.caches import ClusterStats, save_cluster_method, save_cluster_stats
from homog_local.store.records import (
    LabelRecord,
    SampleRecord,
    StageCost,
)

if TYPE_CHECKING:
    from homog_local.runner.engine import RunEngine

__all__ = ["QuestionLoop"]

log = logging.getLogger(__name__)

# Questions inspected by the sampler health check.
_HEALTH_CHECK_QUESTIONS = 3
_HEALTH_CHECK_MIN_TEMPERATURE = 0.7


class QuestionLoop:
    """State of one execute() call."""

    def __init__(
        self,
        engine: RunEngine,
        run_id: int,
        dataset: str,
        settings: RunSettings,
        backend: GeneratorBackend,
        cancel: threading.Event | None,
    ) -> None:
        self.engine = engine
        self.store = engine.store
        self.run_id = run_id
        self.dataset = dataset
        self.settings = settings
        self.backend = backend
        self.cancel = cancel
        self.clock = engine._clock
        self.n_done_now = 0
        self.n_empty = 0
        self.interrupted = False
        self._embedders: dict[str, Embedder] = {}
        self.scorer = QuestionScorer(engine.store, embedder_factory=self._embedder)
        for spec in settings.clusterers:
            sha256, options = self.scorer.method_options(spec)
            save_cluster_method(self.store, run_id, spec.method, spec.kind.value, spec.model,
                                sha256, options)
        self._identical_sample_sets: list[bool] = []
        info = BUILTIN_DATASETS.get(dataset)
        answer_kind = info.answer_kind if info is not None else "alias"
        judge_embedder = self._embedder(settings.embedder) if answer_kind == "truthfulqa" else None
        self.judges: list[Judge] = judges_for(
            answer_kind, embed=judge_embedder.embed if judge_embedder is not None else None
        )

    def _embedder(self, name: str) -> Embedder:
        if name not in self._embedders:
            self._embedders[name] = self.engine._embedder_factory(name)
        return self._embedders[name]

    def run(  # noqa: D102 - documented by RunEngine.execute
        self,
        pending: Sequence[Any],
        n_total: int,
        n_done_before: int,
        on_progress: Callable[[RunProgress], None] | None,
    ) -> None:
        started = self.clock()
        generation_s = 0.0
        n_tokens = 0
        tracker = ScrTracker()
        for method, counts in self._stored_cluster_counts().items():
            for count in counts:
                tracker.add(method, count)
        for group in _groups(pending, question_group_size(self.settings)):
            if self.cancel is not None and self.cancel.is_set():
                raise RunCancelled()
            questions = [_question_from_row(self.dataset, row) for row in group]
            processed = self._process_group(questions)
            # A group is stored as one unit, so a resumed run decodes exactly
            # the groups an uninterrupted run decodes.
            with self.store.transaction():
                for result, stats, _, _ in processed:
                    self.store.save_question(self.run_id, result)
                    save_cluster_stats(self.store, self.run_id, result.qid, stats)
            for (result, _, gen_s, gen_tokens), question in zip(
                processed, questions, strict=True
            ):
                self.n_done_now += 1
                generation_s += gen_s
                n_tokens += gen_tokens
                for record in result.clusters:
                    tracker.add(record.method, record.n_clusters)
                self._check_sampler_health(result)
                if on_progress is not None:
                    elapsed = self.clock() - started
                    remaining = len(pending) - self.n_done_now
                    on_progress(
                        RunProgress(
                            run_id=self.run_id,
                            n_done=n_done_before + self.n_done_now,
                            n_total=n_total,
                            tokens_per_s=n_tokens / generation_s if generation_s > 0 else 0.0,
                            eta_s=elapsed / self.n_done_now * remaining,
                            elapsed_s=elapsed,
                            question=question.text,
                            samples=tuple(s.text for s in result.samples),
                            clusters={c.method: c.assignments for c in result.clusters},
                            scr=tracker.scr(),
                            mean_clusters=tracker.mean_clusters(),
                        )
                    )

    def _stored_cluster_counts(self) -> dict[str, list[int]]:
        counts: dict[str, list[int]] = {}
        for by_method in self.store.clusters(self.run_id).values():
            for method, record in by_method.items():
                counts.setdefault(method, []).append(record.n_clusters)
        return counts

    def _process_group(
        self, questions: Sequence[Question]
    ) -> list[tuple[QuestionResult, tuple[ClusterStats, ...], float, int]]:
        """Decode a group's answers together, then score each question."""
        settings = self.settings
        prompts = [self.backend.render(question.text) for question in questions]
        requests = [
            AnswerRequest(
                prompt,
                tuple(sample_seed(settings.seed, question.qid, i)
                      for i in range(settings.n_samples)),
                settings.sampler_params,
                settings.max_tokens,
            )
            for prompt, question in zip(prompts, questions, strict=True)
        ]
        started = self.clock()
        answers = generate_answers(self.backend, requests, self.cancel)
        group_s = self.clock() - started
        group_tokens = sum(_n_tokens(a) for a in answers)
        processed = []
        for question, prompt, answer in zip(questions, prompts, answers, strict=True):
            assert answer.greedy is not None
            tokens = _n_tokens(answer)
            # The group's wall time, shared by generated tokens.
            share = group_s * tokens / group_tokens if group_tokens else group_s / len(questions)
            result, stats = self._process(question, prompt, answer.greedy, list(answer.samples))
            processed.append((result, stats, share, tokens))
        return processed

    def _process(
        self,
        question: Question,
        prompt: RenderedPrompt,
        greedy: Generation,
        samples: list[Generation],
    ) -> tuple[QuestionResult, tuple[ClusterStats, ...]]:
        settings = self.settings
        costs: list[StageCost] = []
        events: list[tuple[str, str, str]] = []
        # In a batch each answer's elapsed time is its share of the steps it
        # took part in.
        costs.append(StageCost(STAGE_GREEDY, greedy.elapsed_s, greedy.n_tokens))
        n_sample_tokens = sum(s.n_tokens for s in samples)
        costs.append(StageCost(STAGE_SAMPLING, sum(s.elapsed_s for s in samples),
                               n_sample_tokens))

        n_empty = sum(1 for s in samples if s.is_empty) + int(greedy.is_empty)
        if n_empty:
            self.n_empty += n_empty
            events.append(("warning", "empty_answer",
                           f"{n_empty} empty answer(s) kept and flagged"))
            log.warning("question %s: %d empty answer(s) kept and flagged", question.qid, n_empty)

        scored = self.scorer.score(
            [s.text for s in samples], settings.clusterers,
            log_probs=[s.log_prob for s in samples], question=question.text,
        )
        clusters = list(scored.clusters)
        # Graph-score costs (methods "graph:...") are stored in cluster_stats only.
        methods = {spec.method for spec in settings.clusterers}
        costs.extend(StageCost(f"cluster:{stat.method}", stat.seconds, 0)
                     for stat in scored.stats if stat.method in methods)

        greedy_record = _sample_record(greedy)
        signals = compute_signals(greedy_record, clusters) + list(scored.signals)

        t_judge = self.clock()
        labels = [
            LabelRecord(lab.judge, lab.label, lab.score, lab.detail, index == 0)
            for index, lab in enumerate(judge.judge(question, greedy.text) for judge in self.judges)
        ]
        costs.append(StageCost("judge", self.clock() - t_judge, 0))

        result = QuestionResult(
            qid=question.qid,
            prompt=prompt.text,
            n_prompt_tokens=self.backend.n_prompt_tokens(prompt),
            greedy=greedy_record,
            samples=tuple(_sample_record(s) for s in samples),
            clusters=tuple(clusters),
            signals=tuple(signals),
            labels=tuple(labels),
            costs=tuple(costs),
            events=tuple(events),
        )
        return result, scored.stats

    def _check_sampler_health(self, result: QuestionResult) -> None:
        """Warn when the first questions' samples are all byte-identical at a high temperature."""
        if len(self._identical_sample_sets) >= _HEALTH_CHECK_QUESTIONS:
            return
        if self.settings.n_samples < 2:
            return
        if self.settings.sampler_params.temperature < _HEALTH_CHECK_MIN_TEMPERATURE:
            return
        texts = {s.text for s in result.samples}
        self._identical_sample_sets.append(len(texts) == 1)
        if len(self._identical_sample_sets) == _HEALTH_CHECK_QUESTIONS and all(
            self._identical_sample_sets
        ):
            message = (
                f"the samples of each of the first {_HEALTH_CHECK_QUESTIONS} questions are "
                f"byte-identical at temperature {self.settings.sampler_params.temperature:g}; "
                "sampling looks broken (seeds or sampler not applied), which would fake "
                "homogenization; check the backend before trusting this run"
            )
            warnings.warn(message, SamplerHealthWarning, stacklevel=2)
            log.warning("%s", message)
            self.store.add_event(self.run_id, "warning", "sampler_health", message)


def _groups(pending: Sequence[Any], size: int) -> list[list[Any]]:
    """Split pending rows into groups fixed by question position.

    Group k contains positions k*size .. k*size+size-1, whichever of them
    are still pending.
    """
    groups: dict[int, list[Any]] = {}
    for row in pending:
        groups.setdefault(row["position"] // size, []).append(row)
    return [groups[key] for key in sorted(groups)]


def _n_tokens(answers: Answers) -> int:
    greedy = answers.greedy.n_tokens if answers.greedy is not None else 0
    return greedy + sum(s.n_tokens for s in answers.samples)


def _question_from_row(dataset: str, row: Any) -> Question:
    return Question(
        dataset=dataset,
        qid=row["qid"],
        index=row["position"],
        text=row["text"],
        references=tuple(json.loads(row["references_json"])),
        incorrect_references=tuple(json.loads(row["incorrect_references_json"])),
        category=row["category"],
    )


def _sample_record(generation: Generation) -> SampleRecord:
    return SampleRecord(
        text=generation.text,
        n_tokens=generation.n_tokens,
        stop_reason=generation.stop_reason.value,
        log_prob=generation.log_prob,
        mean_token_entropy=generation.mean_entropy,
        is_empty=generation.is_empty,
        elapsed_s=generation.elapsed_s,
        seed=generation.seed,
        token_entropies=generation.token_entropies,
        max_token_entropy=generation.max_entropy,
        token_texts=generation.token_texts,
    )
