"""Continuous batching: keep a fixed number of decoding slots full across prompts.

The answers of a list of requests (one greedy answer and N samples per
prompt) become a queue of sequences in a fixed order: request by request,
the greedy answer first, then the samples in seed order. Each free slot
takes the next sequence from the queue; every step decodes one token of
every live slot in one batch. A prompt is evaluated once, on a holder
sequence, when the queue reaches its first answer, and copied into each slot
that starts one of its answers.

The live slots are kept contiguous from slot 0: when the queue is empty and a
sequence ends below the highest live slot, that slot's sequence moves down.
llama.cpp's attention over separate cache streams spans the range of stream
ids in a batch, so ten live slots spread over thirty cost as much as thirty.

Which sequences share a step depends only on the requests and on the tokens
decoded, never on timing, so the same request list always gives the same
batches.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from homog_local.errors import RunCancelled
from homog_local.generation.decoding import SequenceState
from homog_local.generation.records import AnswerRequest, Answers, Generation
from homog_local.generation.sampling import RowScratch

__all__ = ["RowWorkers", "SlotDecoder", "StateFactory", "decode_requests"]


class SlotDecoder(Protocol):
    """The model operations the scheduler needs."""

    def load_prompt(self, tokens: Sequence[int]) -> np.ndarray:
        """Evaluate a prompt on the holder sequence; return a copy of its last logits row."""

    def start_slot(self, slot: int, n_prompt: int) -> None:
        """Make a slot's sequence hold exactly the holder's prompt of n_prompt tokens."""

    def move_slot(self, source: int, target: int) -> None:
        """Move a live sequence from slot source to the free slot target."""

    def step(self, entries: Sequence[tuple[int, int, int]]) -> Callable[[int], np.ndarray]:
        """Decode one (slot, token, position) per live slot; return the logits row getter."""


StateFactory = Callable[[AnswerRequest, int, int | None], SequenceState]
"""Builds the decoding state of one answer: (request, prompt tokens, seed or None)."""


class RowWorkers:
    """Threads that choose the next token of each live answer from its logits row.

    numpy releases the GIL in its passes over a row, so with a large
    vocabulary (Gemma 3 has 262,144 tokens) two threads take about half the
    time of one. Each answer keeps its own generator, so the tokens do not
    depend on which thread handles which row.

    Parameters
    ----------
    n_vocab : int
        Vocabulary size.
    n_threads : int
        Threads, the calling one included.
    """

    def __init__(self, n_vocab: int, n_threads: int = 1) -> None:
        self._scratches = [RowScratch(n_vocab) for _ in range(max(1, n_threads))]
        self._pool = (ThreadPoolExecutor(n_threads - 1, thread_name_prefix="homog-rows")
                      if n_threads > 1 else None)

    def step(self, states: Sequence[SequenceState],
             row_of: Callable[[int], np.ndarray]) -> list[int | None]:
        """Step states[i] on row_of(i); return each next token (None when it ended)."""
        if self._pool is None or len(states) < 2:
            scratch = self._scratches[0]
            return [state.step(row_of(i), scratch) for i, state in enumerate(states)]
        n_parts = len(self._scratches)
        bounds = [len(states) * k // n_parts for k in range(n_parts + 1)]

        def part(k: int) -> list[int | None]:
            scratch = self._scratches[k]
            return [states[i].step(row_of(i), scratch) for i in range(bounds[k], bounds[k + 1])]

        futures = [self._pool.submit(part, k) for k in range(1, n_parts)]
        tokens = part(0)
        for future in futures:
            tokens.extend(future.result())
        return tokens

    def first(self, state: SequenceState, row: np.ndarray) -> int | None:
        """Step one state on a row in the calling thread."""
        return state.step(row, self._scratches[0])

    def close(self) -> None:
        """Stop the threads."""
        if self._pool is not None:
            self._pool.shutdown()


@dataclass
class _Job:
    request: int
    seed: int | None
    state: SequenceState | None = None
    seconds: float = 0.0


@dataclass
class _Prompt:
    tokens: list[int]
    logits: np.ndarray | None = None
    n_jobs: int = 0
    seconds: float = 0.0
    jobs: list[_Job] = field(default_factory=list)


def decode_requests(
    decoder: SlotDecoder,
    requests: Sequence[AnswerRequest],
    prompt_tokens: Sequence[Sequence[int]],
    n_slots: int,
    make_state: StateFactory,
    cancel: threading.Event | None = None,
    clock: Callable[[], float] = time.perf_counter,
    workers: RowWorkers | None = None,
) -> list[Answers]:
    """Decode every answer of every request with at most n_slots sequences per step.

    Parameters
    ----------
    decoder : SlotDecoder
        The model.
    requests : sequence of AnswerRequest
        What to decode.
    prompt_tokens : sequence of sequence of int
        The tokens of each request's prompt.
    n_slots : int
        Sequences decoded together in one step.
    make_state : callable
        Builds the decoding state of one answer.
    cancel : threading.Event, optional
        Checked before each step; when set, raises RunCancelled.
    clock : callable, optional
        Seconds.
    workers : RowWorkers, optional
        Threads that choose tokens from the logits rows; one thread by default.

    Returns
    -------
    list of Answers
        One per request, in order. Each answer's ``elapsed_s`` is its share of
        the wall time: a step's time split evenly over the sequences in it,
        plus an even share of its prompt's evaluation.
    """
    rows = workers if workers is not None else RowWorkers(0)
    prompts = [_Prompt(list(tokens)) for tokens in prompt_tokens]
    queue: deque[_Job] = deque()
    for index, request in enumerate(requests):
        jobs = ([_Job(index, None)] if request.greedy else []) + [
            _Job(index, seed) for seed in request.seeds
        ]
        prompts[index].jobs = jobs
        prompts[index].n_jobs = len(jobs)
        queue.extend(jobs)

    live: dict[int, tuple[_Job, int]] = {}
    loaded: int | None = None
    while queue or live:
        for slot in range(n_slots):
            if slot in live:
                continue
            while queue:
                job = queue.popleft()
                prompt = prompts[job.request]
                if loaded != job.request:
                    started = clock()
                    prompt.logits = decoder.load_prompt(prompt.tokens)
                    prompt.seconds = clock() - started
                    loaded = job.request
                assert prompt.logits is not None
                job.seconds += prompt.seconds / prompt.n_jobs
                state = make_state(requests[job.request], len(prompt.tokens), job.seed)
                job.state = state
                started = clock()
                token = rows.first(state, prompt.logits)
                job.seconds += clock() - started
                if token is None:
                    continue
                decoder.start_slot(slot, len(prompt.tokens))
                live[slot] = (job, token)
                break
        if not live:
            continue
        _compact(decoder, live)
        if cancel is not None and cancel.is_set():
            raise RunCancelled()
        order = sorted(live)
        step_jobs = [live[slot][0] for slot in order]
        entries = []
        for slot, job in zip(order, step_jobs, strict=True):
            assert job.state is not None
            position = len(prompts[job.request].tokens) + len(job.state.tokens) - 1
            entries.append((slot, live[slot][1], position))
        started = clock()
        row_of = decoder.step(entries)
        states = [job.state for job in step_jobs]
        assert all(state is not None for state in states)
        tokens = rows.step(states, row_of)  # type: ignore[arg-type]
        for slot, job, token in zip(order, step_jobs, tokens, strict=True):
            if token is None:
                del live[slot]
            else:
                live[slot] = (job, token)
        share = (clock() - started) / len(order)
        for job in step_jobs:
            job.seconds += share

    answers = []
    for index, request in enumerate(requests):
        results = [_result(job) for job in prompts[index].jobs]
        greedy = results.pop(0) if request.greedy else None
        answers.append(Answers(greedy, tuple(results)))
    return answers


def _compact(decoder: SlotDecoder, live: dict[int, tuple[_Job, int]]) -> None:
    """Move sequences from the highest live slots into free lower ones."""
    while live:
        highest = max(live)
        free = next((slot for slot in range(highest) if slot not in live), None)
        if free is None:
            return
        decoder.move_slot(highest, free)
        live[free] = live.pop(highest)


def _result(job: _Job) -> Generation:
    assert job.state is not None
    return job.state.result(job.seconds)
