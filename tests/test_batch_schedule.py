"""The slot scheduler's logic, on a fake decoder that records every call."""

from __future__ import annotations

import itertools
import threading

import numpy as np
import pytest

from homog_local.errors import RunCancelled
from homog_local.generation import AnswerRequest, RenderedPrompt
from homog_local.generation.batch_schedule import decode_requests
from homog_local.generation.decoding import SequenceState
from homog_local.settings import SamplerParams

END = 7
N_VOCAB = 8
PARAMS = SamplerParams(temperature=1.0, top_k=1, top_p=1.0, min_p=0.0, repeat_penalty=1.0)


def _row(token: int) -> np.ndarray:
    row = np.zeros(N_VOCAB, dtype=np.float32)
    row[token] = 50.0
    return row


class FakeDecoder:
    """Every answer of a prompt with L tokens ends after L tokens (token 1, then END)."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.slot_prompt: dict[int, int] = {}
        self.holder = 0
        self.steps: list[list[int]] = []

    def load_prompt(self, tokens) -> np.ndarray:  # noqa: ANN001
        self.calls.append(("load", len(tokens)))
        self.holder = len(tokens)
        return _row(1)

    def start_slot(self, slot: int, n_prompt: int) -> None:
        self.calls.append(("start", slot))
        assert n_prompt == self.holder
        self.slot_prompt[slot] = n_prompt

    def move_slot(self, source: int, target: int) -> None:
        self.calls.append(("move", source, target))
        assert target not in self.slot_prompt or target < source
        self.slot_prompt[target] = self.slot_prompt.pop(source)

    def step(self, entries):  # noqa: ANN001, ANN201
        self.steps.append([slot for slot, _, _ in entries])
        rows = []
        for slot, _token, position in entries:
            n_prompt = self.slot_prompt[slot]
            generated = position - n_prompt + 1
            rows.append(_row(END if generated >= n_prompt else 1))
        return rows.__getitem__


def _state(request: AnswerRequest, n_prompt: int, seed: int | None) -> SequenceState:
    return SequenceState(
        max_tokens=request.max_tokens, stop_strings=(), is_end_token=lambda t: t == END,
        token_bytes=lambda t: b"x", params=request.params if seed is not None else None,
        seed=seed, context_left=100,
    )


def _request(n_samples: int) -> AnswerRequest:
    prompt = RenderedPrompt(text="q", uses_chat_template=False, stop_strings=())
    return AnswerRequest(prompt, tuple(range(n_samples)), PARAMS, 50)


def test_slots_fill_in_queue_order() -> None:
    decoder = FakeDecoder()
    ticks = itertools.count()
    # Prompts of 3 and 6 tokens: answers of 3 and 6 tokens.
    answers = decode_requests(decoder, [_request(2), _request(2)], [[0] * 3, [0] * 6],
                              n_slots=4, make_state=_state, clock=lambda: float(next(ticks)))
    assert [g.n_tokens for a in answers for g in (a.greedy, *a.samples)] == [3, 3, 3, 6, 6, 6]
    assert [a.greedy.seed for a in answers] == [None, None]
    assert [s.seed for a in answers for s in a.samples] == [0, 1, 0, 1]
    # Each prompt is evaluated once, when the queue reaches its first answer.
    assert [c for c in decoder.calls if c[0] == "load"] == [("load", 3), ("load", 6)]
    # Four slots fill first. The three 3-token answers end at step 3; the two
    # answers left take slots 0 and 1, and the 6-token greedy answer moves
    # from slot 3 to slot 2.
    assert [len(step) for step in decoder.steps] == [4, 4, 4, 3, 3, 3, 2, 2, 2]
    assert ("move", 3, 2) in decoder.calls
    # Live slots are always 0..k-1.
    for step in decoder.steps:
        assert step == list(range(len(step)))


def test_one_slot_decodes_one_answer_at_a_time() -> None:
    decoder = FakeDecoder()
    answers = decode_requests(decoder, [_request(3)], [[0] * 2], n_slots=1, make_state=_state)
    assert all(step == [0] for step in decoder.steps)
    # Two tokens per answer: the first from the prompt, the second from one step, then
    # a step that ends it.
    assert len(decoder.steps) == 4 * 2
    assert [g.n_tokens for g in (answers[0].greedy, *answers[0].samples)] == [2, 2, 2, 2]


def test_same_requests_give_same_schedule() -> None:
    schedules = []
    for _ in range(2):
        decoder = FakeDecoder()
        decode_requests(decoder, [_request(3), _request(1), _request(4)],
                        [[0] * 4, [0] * 2, [0] * 5], n_slots=3, make_state=_state)
        schedules.append((decoder.calls, decoder.steps))
    assert schedules[0] == schedules[1]


def test_elapsed_time_adds_up_to_the_model_time() -> None:
    now = [0.0]

    class TimedDecoder(FakeDecoder):
        def load_prompt(self, tokens) -> np.ndarray:  # noqa: ANN001
            now[0] += 0.5
            return super().load_prompt(tokens)

        def step(self, entries):  # noqa: ANN001, ANN201
            now[0] += 1.0
            return super().step(entries)

    decoder = TimedDecoder()
    answers = decode_requests(decoder, [_request(2), _request(1)], [[0] * 2, [0] * 4],
                              n_slots=2, make_state=_state, clock=lambda: now[0])
    elapsed = [g.elapsed_s for a in answers for g in (a.greedy, *a.samples)]
    # Every step's second is split over its answers, every load over its prompt's answers.
    assert sum(elapsed) == pytest.approx(len(decoder.steps) * 1.0 + 2 * 0.5)
    assert all(e > 0 for e in elapsed)


def test_one_token_answer_takes_no_slot() -> None:
    class EndAtOnce(FakeDecoder):
        def load_prompt(self, tokens) -> np.ndarray:  # noqa: ANN001
            super().load_prompt(tokens)
            return _row(END)

    decoder = EndAtOnce()
    answers = decode_requests(decoder, [_request(2)], [[0] * 3], n_slots=2, make_state=_state)
    assert decoder.steps == []
    assert [g.n_tokens for g in (answers[0].greedy, *answers[0].samples)] == [0, 0, 0]


def test_cancel_is_checked_before_each_step() -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(RunCancelled):
        decode_requests(FakeDecoder(), [_request(1)], [[0] * 3], n_slots=2,
                        make_state=_state, cancel=cancel)
