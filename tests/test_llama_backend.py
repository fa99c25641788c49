"""Real llama.cpp on the shipped SmolLM2-135M-Instruct and Gemma-3-270M models."""

from __future__ import annotations

import pytest

from homog_local.errors import BackendError, ModelLoadError
from homog_local.generation import sample_seed
from homog_local.generation.llama_backend import LlamaBackend
from homog_local.generation.records import StopReason
from homog_local.models import ModelRole, resolve_model
from homog_local.settings import SAMPLER_PRESETS


@pytest.fixture(scope="module")
def smollm() -> LlamaBackend:
    entry = resolve_model("smollm2-135m-instruct", ModelRole.GENERATOR)
    backend = LlamaBackend(entry.path, use_chat_template=True, n_ctx=512)
    yield backend
    backend.close()


def test_render_uses_chat_template(smollm) -> None:
    prompt = smollm.render("What is the capital of France?")
    assert prompt.uses_chat_template
    assert prompt.text.endswith(
        "<|im_start|>user\nAnswer the following question concisely:\n\n"
        "Q: What is the capital of France?\nA:<|im_end|>\n<|im_start|>assistant\n")


def test_greedy_answer_exact(smollm) -> None:
    prompt = smollm.render("What is the capital of France?")
    answer = smollm.greedy(prompt, 32)
    assert answer.text == "The capital of France is Paris."
    assert answer.stop_reason is StopReason.EOS
    assert answer.n_tokens == 7
    assert len(answer.token_entropies) == 7
    assert answer.mean_entropy == pytest.approx(0.5523, abs=1e-3)


def test_greedy_is_deterministic(smollm) -> None:
    prompt = smollm.render("Why do veins appear blue?")
    first = smollm.greedy(prompt, 24)
    second = smollm.greedy(prompt, 24)
    assert first.text == second.text
    assert first.token_entropies == second.token_entropies


def test_sample_reproducible_per_seed(smollm) -> None:
    prompt = smollm.render("What happens if you eat watermelon seeds?")
    seeds = [sample_seed(0, "q", i) for i in range(4)]
    batch = smollm.sample(prompt, SAMPLER_PRESETS["ollama"], seeds, 24)
    alone = smollm.sample(prompt, SAMPLER_PRESETS["ollama"], [seeds[2]], 24)
    assert [g.seed for g in batch] == seeds
    assert alone[0].text == batch[2].text
    assert len({g.text for g in batch}) > 1


def test_batched_samples_equal_sequential(smollm) -> None:
    entry = resolve_model("smollm2-135m-instruct", ModelRole.GENERATOR)
    batched = LlamaBackend(entry.path, use_chat_template=True, n_ctx=512, n_parallel=6)
    try:
        for question in ("Why do veins appear blue?", "Where did fortune cookies originate?"):
            seeds = [sample_seed(7, question, i) for i in range(6)]
            together = batched.sample(batched.render(question), SAMPLER_PRESETS["ollama"],
                                      seeds, 80)
            alone = smollm.sample(smollm.render(question), SAMPLER_PRESETS["ollama"], seeds, 80)
            assert [g.text for g in together] == [g.text for g in alone]
            assert [g.token_entropies for g in together] == [g.token_entropies for g in alone]
        greedy = batched.greedy(batched.render("What is the capital of France?"), 32)
        assert greedy.text == "The capital of France is Paris."
    finally:
        batched.close()


def test_sample_max_tokens_stop(smollm) -> None:
    prompt = smollm.render("Write a long story about a dragon.")
    answers = smollm.sample(prompt, SAMPLER_PRESETS["pure"], [1, 2], 5)
    assert all(a.n_tokens <= 5 for a in answers)
    assert any(a.stop_reason is StopReason.MAX_TOKENS for a in answers)


def test_prompt_over_context_rejected(smollm) -> None:
    prompt = smollm.render("word " * 600)
    with pytest.raises(BackendError, match="exceeds the context"):
        smollm.greedy(prompt, 16)


def test_missing_and_corrupt_files(tmp_path) -> None:
    with pytest.raises(ModelLoadError, match="file not found"):
        LlamaBackend(tmp_path / "absent.gguf")
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"NOTGGUF" + bytes(64))
    with pytest.raises(ModelLoadError, match="not a GGUF file"):
        LlamaBackend(bad)


def test_gemma_base_raw_prompt_stops_at_next_question() -> None:
    entry = resolve_model("gemma3-270m", ModelRole.GENERATOR)
    backend = LlamaBackend(entry.path, use_chat_template=False, n_ctx=512)
    try:
        prompt = backend.render("What is the capital of France?")
        assert not prompt.uses_chat_template
        assert prompt.text == (
            "Answer the following question concisely:\n\nQ: What is the capital of France?\nA:")
        answer = backend.greedy(prompt, 48)
        # The 270M base model continues the Q/A pattern; the cut drops the next "Q:" line.
        assert answer.text == "France is the capital of France."
        assert answer.stop_reason is StopReason.STOP_STRING
        assert len(answer.token_entropies) == answer.n_tokens
    finally:
        backend.close()


def test_greedy_token_texts_align(smollm) -> None:
    answer = smollm.greedy(smollm.render("What is the capital of France?"), 32)
    assert len(answer.token_texts) == answer.n_tokens
    assert "".join(answer.token_texts).strip() == answer.text
    assert answer.token_texts[-1] == "."
