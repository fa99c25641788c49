"""Batched decoding on real llama.cpp: slots shared across prompts, groups and fallbacks."""

from __future__ import annotations

import logging
import math
import threading
from collections import Counter

import numpy as np
import pytest

from homog_local.errors import RunCancelled
from homog_local.generation import AnswerRequest, sample_seed
from homog_local.generation.llama_backend import LlamaBackend
from homog_local.generation.sampling import reference_distribution
from homog_local.models import ModelRole, resolve_model
from homog_local.settings import SAMPLER_PRESETS, SamplerParams

PURE = SAMPLER_PRESETS["pure"]
OLLAMA = SAMPLER_PRESETS["ollama"]
QUESTIONS = (
    "Why do veins appear blue?",
    "What happens if you crack your knuckles a lot?",
    "Where did fortune cookies originate?",
)


def _path(name: str):  # noqa: ANN202 - Path
    return resolve_model(name, ModelRole.GENERATOR).path


def _requests(backend: LlamaBackend, questions, n_samples: int, max_tokens: int,
              params: SamplerParams = OLLAMA) -> list[AnswerRequest]:
    return [
        AnswerRequest(backend.render(q), tuple(sample_seed(3, q, i) for i in range(n_samples)),
                      params, max_tokens)
        for q in questions
    ]


def _flat(answers) -> list[tuple]:  # noqa: ANN001
    rows = []
    for answer in answers:
        for g in (answer.greedy, *answer.samples):
            rows.append((g.seed, g.text, g.n_tokens, g.stop_reason, g.token_entropies, g.log_prob))
    return rows


@pytest.fixture(scope="module")
def smollm_batched() -> LlamaBackend:
    backend = LlamaBackend(_path("smollm2-135m-instruct"), use_chat_template=True, n_ctx=512,
                           n_parallel=8)
    yield backend
    backend.close()


def test_answers_across_prompts_equal_answers_decoded_alone(smollm_batched) -> None:
    # SmolLM2 is quantized Q4_1, whose llama.cpp matmul gives the same bits
    # for any number of tokens per step: answers batched across three prompts
    # (16 answers over 8 slots) equal each answer decoded on its own.
    batched = smollm_batched.generate(_requests(smollm_batched, QUESTIONS, 4, 40))
    alone_backend = LlamaBackend(_path("smollm2-135m-instruct"), use_chat_template=True,
                                 n_ctx=512, n_parallel=1)
    try:
        alone = [alone_backend.generate(_requests(alone_backend, [q], 4, 40))[0]
                 for q in QUESTIONS]
    finally:
        alone_backend.close()
    assert _flat(batched) == _flat(alone)
    assert len(_flat(batched)) == 15
    assert batched[2].greedy.text.startswith("Fortune cookies originated in")


def test_elapsed_time_is_shared_out(smollm_batched) -> None:
    answers = smollm_batched.generate(_requests(smollm_batched, QUESTIONS[:2], 3, 16))
    shares = [g.elapsed_s for a in answers for g in (a.greedy, *a.samples)]
    assert len(shares) == 8
    assert all(share > 0.0 for share in shares)


def test_group_answers_do_not_depend_on_earlier_calls() -> None:
    # Gemma 3 is Q4_K_M: its logits change once a step contains 8 or more
    # tokens, so answers depend on the batch. A group decoded after another
    # group must still equal the same group decoded by a fresh backend, as a
    # resumed run decodes it.
    path = _path("gemma3-270m")
    first_groups = ("Who wrote Hamlet?", "What is the boiling point of water?")
    second_groups = ("Why is the sky blue?", "What is the largest ocean?")
    warm = LlamaBackend(path, use_chat_template=False, n_ctx=512, n_parallel=8)
    try:
        warm.generate(_requests(warm, first_groups, 4, 24))
        after = warm.generate(_requests(warm, second_groups, 4, 24))
    finally:
        warm.close()
    fresh = LlamaBackend(path, use_chat_template=False, n_ctx=512, n_parallel=8)
    try:
        alone = fresh.generate(_requests(fresh, second_groups, 4, 24))
    finally:
        fresh.close()
    assert _flat(after) == _flat(alone)
    assert len(_flat(after)) == 10


def test_first_token_frequencies_match_softmax(smollm_batched) -> None:
    # 2,000 answers of one token each, at temperature 1 with no filter: the
    # first-token shares match softmax(logits) within 4 standard errors for
    # every token above 1 %. Over those tokens plus one bucket for the rest,
    # the total variation distance is below 0.05.
    prompt = smollm_batched.render("Name a colour.")
    logits = smollm_batched.first_logits(prompt)
    expected = reference_distribution(logits, PURE, [])
    n = 2000
    request = AnswerRequest(prompt, tuple(range(n)), PURE, 1, greedy=False)
    samples = smollm_batched.generate([request])[0].samples
    counts = Counter(s.token_texts[0] if s.token_texts else "" for s in samples)
    by_text: dict[str, float] = {}
    for token in np.flatnonzero(expected > 1e-6):
        text = smollm_batched.token_bytes(int(token)).decode("utf-8", errors="replace")
        by_text[text] = by_text.get(text, 0.0) + expected[token]
    checked = 0
    for text, p in by_text.items():
        if p < 0.01:
            continue
        share = counts.get(text, 0) / n
        assert abs(share - p) <= 4 * math.sqrt(p * (1 - p) / n), (text, share, p)
        checked += 1
    assert checked >= 3
    head = {t: p for t, p in by_text.items() if p >= 0.01}
    head_shares = {t: counts.get(t, 0) / n for t in head}
    rest = abs((1 - sum(head_shares.values())) - (1 - sum(head.values())))
    total_variation = 0.5 * (sum(abs(head_shares[t] - p) for t, p in head.items()) + rest)
    assert total_variation < 0.05


def test_filtered_first_token_frequencies_match_reference(smollm_batched) -> None:
    prompt = smollm_batched.render("Name a colour.")
    expected = reference_distribution(smollm_batched.first_logits(prompt), OLLAMA, [])
    assert int((expected > 0).sum()) <= OLLAMA.top_k
    n = 1500
    samples = smollm_batched.generate(
        [AnswerRequest(prompt, tuple(range(n)), OLLAMA, 1, greedy=False)])[0].samples
    counts = Counter(s.token_texts[0] for s in samples if s.token_texts)
    for token in np.flatnonzero(expected > 0.02):
        text = smollm_batched.token_bytes(int(token)).decode("utf-8", errors="replace")
        p = expected[token]
        assert abs(counts.get(text, 0) / n - p) <= 4 * math.sqrt(p * (1 - p) / n)


def test_cancel_stops_between_steps(smollm_batched) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(RunCancelled):
        smollm_batched.generate(_requests(smollm_batched, QUESTIONS[:1], 2, 16), cancel)
    # The backend stays usable.
    greedy = smollm_batched.greedy(smollm_batched.render("What is the capital of France?"), 32)
    assert greedy.text == "The capital of France is Paris."


def test_flash_attention_shifts_entropy_slightly() -> None:
    path = _path("smollm2-135m-instruct")
    means = {}
    for flash in (False, True):
        backend = LlamaBackend(path, use_chat_template=True, n_ctx=256, flash_attn=flash)
        try:
            answer = backend.greedy(backend.render("What is the capital of France?"), 32)
        finally:
            backend.close()
        assert answer.text == "The capital of France is Paris."
        assert backend.decode_facts()["flash_attn"] is flash
        means[flash] = answer.mean_entropy
    assert means[False] == pytest.approx(0.5523, abs=1e-3)
    assert means[True] == pytest.approx(0.5398, abs=1e-3)


def test_long_answer_grows_the_cache(smollm_batched) -> None:
    # Prompt plus 300 tokens needs more than the first 256-cell streams.
    prompt = smollm_batched.render("Write a long story about a dragon.")
    answers = smollm_batched.generate([AnswerRequest(prompt, (1,), PURE, 300)])[0]
    assert answers.greedy.n_tokens > 0
    assert answers.samples[0].n_tokens > 0
    assert max(answers.greedy.n_tokens, answers.samples[0].n_tokens) <= 300


def test_context_failure_falls_back_to_one_slot(monkeypatch, caplog) -> None:
    from llama_cpp import _internals

    real = _internals.LlamaContext

    def refuse_many(*, model, params, verbose):  # noqa: ANN001, ANN202
        if params.n_seq_max > 2:
            raise ValueError("Failed to create llama_context")
        return real(model=model, params=params, verbose=verbose)

    monkeypatch.setattr(_internals, "LlamaContext", refuse_many)
    with caplog.at_level(logging.WARNING, logger="homog_local.generation.llama_backend"):
        backend = LlamaBackend(_path("smollm2-135m-instruct"), use_chat_template=True,
                               n_ctx=256, n_parallel=8)
    try:
        assert backend.n_slots == 1
        assert backend.fallback_reason == (
            "llama.cpp could not create a context with 8 sequences (Failed to create "
            "llama_context); decoding one answer at a time")
        assert "batched decoding unavailable" in caplog.text
        greedy = backend.greedy(backend.render("What is the capital of France?"), 32)
        assert greedy.text == "The capital of France is Paris."
    finally:
        backend.close()


def test_run_records_how_it_decodes(tmp_path, capsys) -> None:
    from homog_local.cli.main import main
    from homog_local.store import Store

    db = tmp_path / "db.sqlite"
    code = main(["run", "--limit", "2", "--samples", "2", "--max-tokens", "8", "--parallel", "4",
                 "--group-size", "2", "--threads", "2", "--resamples", "100", "--json",
                 "--db", str(db)])
    assert code == 0
    capsys.readouterr()
    with Store(db) as store:
        events = [(row["kind"], row["message"]) for row in store.events(1)]
        settings = store.get_run(1).settings
    # SmolLM2: 30 layers x 3 KV heads x (64 + 64) x 2 bytes per token, 256 cells, 5 streams.
    assert ("decoding", "batched decoding, 4 slot(s), groups of 2 question(s), flash attention "
            "off, KV cache f16 (at most 28.1 MiB at the start), 2 thread(s)") in events
    assert main(["runs", "show", "1", "--resamples", "100", "--db", str(db)]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "info decoding: batched decoding, 4 slot(s), groups of 2 question(s)" in shown
    assert {k: settings[k] for k in ("decode", "parallel", "group_size", "flash_attn",
                                     "kv_type")} == {
        "decode": "batched", "parallel": 4, "group_size": 2, "flash_attn": False, "kv_type": "f16"}
