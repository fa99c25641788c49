"""In-process generation with llama.cpp through llama-cpp-python's low-level API.

The high-level ``Llama`` class is not used: it cannot turn off llama.cpp's
extra buffer types (see ``_model_params``), and its samplers carry implicit
defaults. This backend decodes token by token, reads the raw logits row and
hands it to :mod:`homog_local.generation.sampling`.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from homog_local.errors import BackendError, ModelLoadError
from homog_local.generation.batch_schedule import RowWorkers, decode_requests
from homog_local.generation.decoding import SequenceState
from homog_local.generation.native_log import install_native_log_handler
from homog_local.generation.prompt import RenderedPrompt, render_prompt
from homog_local.generation.records import AnswerRequest, Answers, Generation
from homog_local.settings import SamplerParams

__all__ = ["KV_TYPES", "BackendInfo", "LlamaBackend"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BackendInfo:
    """Facts about the loaded model.

    Parameters
    ----------
    path : Path
        GGUF file.
    architecture : str
        ``general.architecture`` from the GGUF metadata.
    chat_template : str or None
        Jinja chat template, or None when the model is used as a base model.
    n_vocab : int
        Vocabulary size.
    n_ctx : int
        Largest context per answer (prompt plus answer), in tokens.
    """

    path: Path
    architecture: str
    chat_template: str | None
    n_vocab: int
    n_ctx: int


# KV cache element types a run may choose; every run whose token entropies
# are compared should use the same one.
KV_TYPES = {"f16": 1, "q8_0": 8, "f32": 0}
# Smallest per-sequence cache; it grows in these steps when a prompt needs more.
_STREAM_STEP = 256


class LlamaBackend:
    """A loaded GGUF model that answers prompts.

    Parameters
    ----------
    model_path : Path
        GGUF file.
    use_chat_template : bool or None
        True to render prompts through the model's chat template, False for
        the raw base-model prompt, None to use the template when the GGUF has
        one.
    n_ctx : int, default 1024
        Largest context per answer, in tokens (prompt plus answer).
    gpu_layers : int, default 0
        Layers offloaded to the GPU (-1 for all); needs a CUDA or Metal build
        of llama-cpp-python.
    n_threads : int or None
        CPU threads; None uses every CPU available to the process.
    n_parallel : int, default 1
        Decoding slots: answers decoded together in one batch, across
        prompts when :meth:`generate` gets several. 1 decodes one answer at a
        time (the sequential reference).
    flash_attn : bool, default False
        Use llama.cpp's flash attention.
    kv_type : str, default "f16"
        Element type of the KV cache: ``f16``, ``q8_0`` or ``f32``.

    Raises
    ------
    ModelLoadError
        When the file is missing, not GGUF, or llama.cpp cannot load it.

    Notes
    -----
    One lock guards the model: calls from several threads run one at a time.

    Each slot has its own KV cache stream (``kv_unified`` off) and each
    answer its own seeded generator. On SmolLM2 (Q4_1) an answer decoded in
    a batch therefore equals the same answer decoded alone, token entropies
    included (a test checks this). A unified cache made attention sum over
    the other sequences' masked cells and changed entropies by up to 0.15
    nats after about 40 tokens. Its raw decoding was at most 8 % faster at
    10 to 22 sequences per step on SmolLM2, and no faster on Gemma 3 and
    Qwen2.5. K-quant models (Q4_K_M) are another
    matter: llama.cpp's CPU matrix multiply takes another path once a step
    contains 8 or more tokens, so their logits depend on the batch, which is why
    runs batch fixed groups of questions.

    NOTE: batched decoding with ``gpu_layers`` has not been run on a GPU.

    Flash attention and the KV cache type shift logits slightly; they are
    explicit here and recorded with each run.
    """

    def __init__(
        self,
        model_path: Path,
        *,
        use_chat_template: bool | None = None,
        n_ctx: int = 1024,
        gpu_layers: int = 0,
        n_threads: int | None = None,
        n_parallel: int = 1,
        flash_attn: bool = False,
        kv_type: str = "f16",
    ) -> None:
        import llama_cpp
        from llama_cpp import _internals

        path = Path(model_path)
        if not path.is_file():
            raise ModelLoadError(path, "file not found; pass an existing .gguf file or a name "
                                 "from `homog models list`")
        with path.open("rb") as handle:
            magic = handle.read(4)
        if magic != b"GGUF":
            raise ModelLoadError(path, f"not a GGUF file (first bytes {magic!r}, expected b'GGUF')")
        if kv_type not in KV_TYPES:
            raise ModelLoadError(path, f"unknown KV cache type {kv_type!r}; use one of "
                                 + ", ".join(KV_TYPES))

        install_native_log_handler()
        self._lock = threading.Lock()
        self._ctx: object | None = None
        self._batch: object | None = None
        try:
            self._model = _internals.LlamaModel(
                path_model=str(path), params=self._model_params(gpu_layers), verbose=False
            )
        except (ValueError, RuntimeError) as error:
            raise ModelLoadError(
                path,
                f"llama.cpp could not load it ({error}); the file may be truncated or use an "
                "architecture this llama.cpp build lacks",
            ) from None

        metadata = self._model.metadata()
        self._metadata = dict(metadata)
        template = metadata.get("tokenizer.chat_template")
        if use_chat_template is None:
            use_chat_template = template is not None
        if use_chat_template and template is None:
            raise ModelLoadError(path, "the model has no chat template; run it as a base model")
        self._n_vocab = self._model.n_vocab()
        self._n_ctx = n_ctx
        self._threads = n_threads if n_threads is not None else _default_threads()
        self._flash_attn = flash_attn
        self._kv_type = kv_type
        self._holder_tokens: list[int] | None = None
        self._holder_logits: np.ndarray | None = None
        self._rows = RowWorkers(self._n_vocab, _row_threads(self._n_vocab, self._threads))
        self.fallback_reason: str | None = None

        n_parallel = max(1, n_parallel)
        if n_parallel > 1 and (llama_cpp.llama_model_is_recurrent(self._model.model)
                               or llama_cpp.llama_model_is_hybrid(self._model.model)):
            self.fallback_reason = (
                f"{metadata.get('general.architecture', 'this')} is a recurrent model, whose "
                "state llama.cpp does not copy between sequences; decoding one answer at a time"
            )
            n_parallel = 1
        self._n_slots = n_parallel
        try:
            self._open_context(min(n_ctx, _STREAM_STEP))
        except (ValueError, RuntimeError) as error:
            if n_parallel == 1:
                raise ModelLoadError(
                    path, f"llama.cpp could not create a context ({error}); lower --n-ctx or "
                    "free memory"
                ) from None
            self.fallback_reason = (
                f"llama.cpp could not create a context with {n_parallel} sequences ({error}); "
                "decoding one answer at a time"
            )
            self._n_slots = 1
            self._open_context(min(n_ctx, _STREAM_STEP))
        if self.fallback_reason is not None:
            log.warning("batched decoding unavailable: %s", self.fallback_reason)

        self.info = BackendInfo(
            path=path,
            architecture=metadata.get("general.architecture", "unknown"),
            chat_template=template if use_chat_template else None,
            n_vocab=self._n_vocab,
            n_ctx=n_ctx,
        )
        self._bos_text = self._token_text(self._model.token_bos())
        self._eos_text = self._token_text(self._model.token_eos())
        log.info("loaded %s (%s, %s prompt, %d slot(s))", path.name, self.info.architecture,
                 "chat" if use_chat_template else "raw", self._n_slots)

    @property
    def n_slots(self) -> int:
        """Answers decoded together in one batch (1 after a fallback)."""
        return self._n_slots

    def decode_facts(self) -> dict[str, object]:
        """Return the attention and cache settings that shape the logits, for the run record."""
        return {
            "slots": self._n_slots,
            "flash_attn": self._flash_attn,
            "kv_type": self._kv_type,
            "kv_unified": False,
            "threads": self._threads,
            "stream_cells": self._stream_ctx,
            "kv_cache_mib": self._kv_cache_mib(),
            "fallback": self.fallback_reason,
        }

    def _kv_cache_mib(self) -> float | None:
        """Return an upper bound of the KV cache size, from the GGUF attention shapes.

        Sliding-window layers (Gemma 3) take less than this bound.
        """
        metadata = self._metadata
        arch = metadata.get("general.architecture", "")
        try:
            layers = int(metadata[f"{arch}.block_count"])
            heads = int(metadata[f"{arch}.attention.head_count"])
            heads_kv = int(metadata.get(f"{arch}.attention.head_count_kv", heads))
            head_dim = int(metadata[f"{arch}.embedding_length"]) // heads
            key = int(metadata.get(f"{arch}.attention.key_length", head_dim))
            value = int(metadata.get(f"{arch}.attention.value_length", head_dim))
        except (KeyError, ValueError):
            return None
        element = {"f16": 2, "q8_0": 34 / 32, "f32": 4}[self._kv_type]
        per_token = layers * heads_kv * (key + value) * element
        return round(per_token * self._stream_ctx * (self._n_slots + 1) / 2**20, 1)

    @staticmethod
    def _model_params(gpu_layers: int) -> object:
        import llama_cpp

        params = llama_cpp.llama_model_default_params()
        params.n_gpu_layers = gpu_layers
        # NOTE: with llama-cpp-python 0.3.36 built natively on an AMX-capable
        # Xeon, the extra buffer types (weight repacking, AMX) crashed in
        # ggml_backend_amx_mul_mat. Plain CPU buffers avoid the crash, at
        # some speed cost on such CPUs.
        params.use_extra_bufts = False
        return params

    def _open_context(self, stream_ctx: int) -> None:
        """(Re)create the context: one holder sequence plus the slots, stream_ctx cells each."""
        import llama_cpp
        from llama_cpp import _internals

        self._close_context()
        n_seq = self._n_slots + 1
        params = llama_cpp.llama_context_default_params()
        params.n_ctx = stream_ctx * n_seq
        params.n_batch = max(self._n_slots, 128)
        params.n_ubatch = params.n_batch
        params.n_seq_max = n_seq
        # One cache stream per sequence keeps batched answers identical to
        # answers decoded alone.
        params.kv_unified = False
        params.flash_attn_type = (
            llama_cpp.LLAMA_FLASH_ATTN_TYPE_ENABLED if self._flash_attn
            else llama_cpp.LLAMA_FLASH_ATTN_TYPE_DISABLED
        )
        params.type_k = KV_TYPES[self._kv_type]
        params.type_v = KV_TYPES[self._kv_type]
        params.n_threads = self._threads
        params.n_threads_batch = self._threads
        self._ctx = _internals.LlamaContext(model=self._model, params=params, verbose=False)
        self._batch = _internals.LlamaBatch(
            n_tokens=params.n_batch, embd=0, n_seq_max=1, verbose=False
        )
        self._memory = llama_cpp.llama_get_memory(self._ctx.ctx)
        self._stream_ctx = stream_ctx
        self._holder = self._n_slots
        self._holder_tokens = None
        self._holder_logits = None

    def _close_context(self) -> None:
        for resource in (self._batch, self._ctx):
            if resource is not None:
                resource.close()
        self._batch = None
        self._ctx = None

    def _token_text(self, token: int) -> str:
        if token < 0:
            return ""
        return self._model.token_get_text(token)

    def _piece(self, token: int) -> bytes:
        """Return the token's text bytes (the binding's own helper pads them with NULs)."""
        import llama_cpp

        size = 64
        while True:
            buffer = ctypes.create_string_buffer(size)
            n = llama_cpp.llama_token_to_piece(self._model.vocab, token, buffer, size, 0, False)
            if n >= 0:
                return buffer.raw[:n]
            size = -n

    def render(self, question: str) -> RenderedPrompt:
        """Render the standard question prompt for this model."""
        return render_prompt(
            question, self.info.chat_template, bos_token=self._bos_text, eos_token=self._eos_text
        )

    def _tokenize(self, prompt: RenderedPrompt) -> list[int]:
        if prompt.uses_chat_template:
            # The chat template writes its own BOS text when it wants one.
            tokens = self._model.tokenize(prompt.text.encode("utf-8"), False, True)
        else:
            add_bos = self._model.add_bos_token()
            tokens = self._model.tokenize(prompt.text.encode("utf-8"), add_bos, False)
        return list(tokens)

    def n_prompt_tokens(self, prompt: RenderedPrompt) -> int:
        """Count the tokens of a rendered prompt."""
        return len(self._tokenize(prompt))

    def first_logits(self, prompt: RenderedPrompt) -> np.ndarray:
        """Return the raw logits of the first answer token (a copy, float32)."""
        with self._lock:
            self._holder_tokens = None
            return self.load_prompt(self._tokenize(prompt)).copy()

    def token_bytes(self, token: int) -> bytes:
        """Return the text bytes of a token id."""
        return self._piece(token)

    # -- the scheduler's decoder ----------------------------------------------

    def load_prompt(self, tokens: Sequence[int]) -> np.ndarray:
        """Evaluate a prompt on the holder sequence; return a copy of its last logits row.

        The holder keeps the previous prompt, so only the tokens after the
        part both prompts share (a chat template's system prompt, say) are
        evaluated.
        """
        import llama_cpp

        tokens = list(tokens)
        if self._holder_tokens == tokens and self._holder_logits is not None:
            return self._holder_logits
        shared = 0
        if self._holder_tokens is not None:
            for old, new in zip(self._holder_tokens, tokens, strict=False):
                if old != new:
                    break
                shared += 1
        # The last token is always evaluated again: its logits row is needed.
        shared = min(shared, len(tokens) - 1)
        llama_cpp.llama_memory_seq_rm(self._memory, self._holder, shared, -1)
        self._holder_tokens = None
        batch = self._batch.batch
        capacity = self._batch._n_tokens
        for start in range(shared, len(tokens), capacity):
            chunk = tokens[start : start + capacity]
            batch.n_tokens = len(chunk)
            for row, token in enumerate(chunk):
                batch.token[row] = token
                batch.pos[row] = start + row
                batch.n_seq_id[row] = 1
                batch.seq_id[row][0] = self._holder
                batch.logits[row] = False
            batch.logits[len(chunk) - 1] = start + len(chunk) == len(tokens)
            self._ctx.decode(self._batch)
        row = llama_cpp.llama_get_logits_ith(self._ctx.ctx, -1)
        self._holder_logits = np.ctypeslib.as_array(row, shape=(self._n_vocab,)).copy()
        self._holder_tokens = tokens
        return self._holder_logits

    def start_slot(self, slot: int, n_prompt: int) -> None:
        """Make a slot's sequence hold exactly the holder's prompt."""
        import llama_cpp

        llama_cpp.llama_memory_seq_rm(self._memory, slot, -1, -1)
        llama_cpp.llama_memory_seq_cp(self._memory, self._holder, slot, -1, -1)

    def move_slot(self, source: int, target: int) -> None:
        """Move a live sequence from one slot to a free one (a copy of its cache stream)."""
        import llama_cpp

        llama_cpp.llama_memory_seq_rm(self._memory, target, -1, -1)
        llama_cpp.llama_memory_seq_cp(self._memory, source, target, -1, -1)
        llama_cpp.llama_memory_seq_rm(self._memory, source, -1, -1)

    def step(self, entries: Sequence[tuple[int, int, int]]) -> Callable[[int], np.ndarray]:
        """Decode one token per (slot, token, position); return the logits row getter."""
        import llama_cpp

        batch = self._batch.batch
        batch.n_tokens = len(entries)
        for row, (slot, token, position) in enumerate(entries):
            batch.token[row] = token
            batch.pos[row] = position
            batch.n_seq_id[row] = 1
            batch.seq_id[row][0] = slot
            batch.logits[row] = True
        self._ctx.decode(self._batch)
        pointer = llama_cpp.llama_get_logits(self._ctx.ctx)
        rows = np.ctypeslib.as_array(pointer, shape=(len(entries), self._n_vocab))
        return rows.__getitem__

    # -- generation -------------------------------------------------------------

    def generate(
        self,
        requests: Sequence[AnswerRequest],
        cancel: threading.Event | None = None,
    ) -> list[Answers]:
        """Decode the greedy and sampled answers of several prompts, batched across them.

        Parameters
        ----------
        requests : sequence of AnswerRequest
            One per prompt.
        cancel : threading.Event, optional
            Checked between decoding steps; when set, raises RunCancelled.

        Returns
        -------
        list of Answers
            One per request, in order.

        Raises
        ------
        BackendError
            When a prompt plus its ``max_tokens`` exceeds ``n_ctx``.
        """
        with self._lock:
            tokens = [self._tokenize(request.prompt) for request in requests]
            need = 0
            for request, prompt_tokens in zip(requests, tokens, strict=True):
                if len(prompt_tokens) + request.max_tokens > self._n_ctx:
                    raise BackendError(
                        "llama.cpp",
                        f"prompt of {len(prompt_tokens)} tokens plus --max-tokens "
                        f"{request.max_tokens} exceeds the context of {self._n_ctx} tokens; "
                        "raise --n-ctx or lower --max-tokens",
                    )
                need = max(need, len(prompt_tokens) + request.max_tokens)
            if need > self._stream_ctx:
                step = _STREAM_STEP
                self._open_context(min(self._n_ctx, -(-need // step) * step))
            # Each call starts from an empty holder, so its answers depend on
            # its own requests only, not on what an earlier call evaluated.
            self._holder_tokens = None
            self._holder_logits = None
            return decode_requests(
                self, requests, tokens, self._n_slots,
                lambda request, n_prompt, seed: self._new_state(request, n_prompt, seed),
                cancel, workers=self._rows,
            )

    def _new_state(self, request: AnswerRequest, n_prompt: int, seed: int | None) -> SequenceState:
        import llama_cpp

        vocab = self._model.vocab
        return SequenceState(
            max_tokens=request.max_tokens,
            stop_strings=request.prompt.stop_strings,
            is_end_token=lambda token: bool(llama_cpp.llama_vocab_is_eog(vocab, token)),
            token_bytes=self._piece,
            params=request.params if seed is not None else None,
            seed=seed,
            context_left=self._stream_ctx - n_prompt,
            with_stats=request.with_stats,
        )

    def greedy(self, prompt: RenderedPrompt, max_tokens: int) -> Generation:
        """Generate the greedy answer with per-token full-vocabulary entropy."""
        answers = self.generate([AnswerRequest(prompt, (), None, max_tokens)])
        greedy = answers[0].greedy
        assert greedy is not None
        return greedy

    def sample(
        self,
        prompt: RenderedPrompt,
        params: SamplerParams,
        seeds: Sequence[int],
        max_tokens: int,
        cancel: threading.Event | None = None,
    ) -> list[Generation]:
        """Draw one answer per seed for a prompt, in one call.

        Parameters
        ----------
        prompt : RenderedPrompt
            The rendered prompt.
        params : SamplerParams
            Explicit sampler settings.
        seeds : sequence of int
            One seed per sample; the i-th answer is reproducible from seeds[i].
        max_tokens : int
            Maximum new tokens per answer.
        cancel : threading.Event, optional
            Checked between decoding steps; when set, raises RunCancelled.

        Returns
        -------
        list of Generation
            One answer per seed, in order.
        """
        request = AnswerRequest(prompt, tuple(seeds), params, max_tokens, greedy=False)
        return list(self.generate([request], cancel)[0].samples)

    def close(self) -> None:
        """Free the llama.cpp context and model."""
        rows = getattr(self, "_rows", None)
        if rows is not None:
            rows.close()
        self._close_context()
        model = getattr(self, "_model", None)
        if model is not None:
            model.close()


# Vocabulary size from which a step's logits rows are shared between threads.
# Below it the rows are too cheap for the hand-off to pay.
# NOTE: chosen from two measured points only, SmolLM2 (49,152 tokens) and
# Gemma 3 (262,144). On 2 cores the second thread saved about 2 % on Gemma.
_THREADED_ROWS_FROM_VOCAB = 100_000


def _row_threads(n_vocab: int, threads: int) -> int:
    """Return how many threads work through one step's logits rows."""
    return min(2, threads) if n_vocab >= _THREADED_ROWS_FROM_VOCAB else 1


def _default_threads() -> int:
    """Return the CPUs this process may use.

    llama.cpp's own default of 4 threads oversubscribes 2-core machines and
    halves decoding speed there.
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
