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
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from homog_local.errors import BackendError, ModelLoadError, RunCancelled
from homog_local.generation.decoding import SequenceState
from homog_local.generation.native_log import install_native_log_handler
from homog_local.generation.prompt import RenderedPrompt, render_prompt
from homog_local.generation.records import Generation
from homog_local.settings import SamplerParams

__all__ = ["BackendInfo", "LlamaBackend"]

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
        Context size of the llama.cpp context.
    """

    path: Path
    architecture: str
    chat_template: str | None
    n_vocab: int
    n_ctx: int


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
        Context size in tokens (prompt plus answer).
    gpu_layers : int, default 0
        Layers offloaded to the GPU (-1 for all); needs a CUDA or Metal build
        of llama-cpp-python.
    n_threads : int or None
        CPU threads; None uses every CPU available to the process.
    n_parallel : int, default 1
        Sampled answers decoded together in one batch. The prompt is
        evaluated once and copied to each sequence. Each sequence has its
        own ``n_ctx`` cache, so cache memory grows ``n_parallel``-fold.

    Raises
    ------
    ModelLoadError
        When the file is missing, not GGUF, or llama.cpp cannot load it.

    Notes
    -----
    One lock guards the model: calls from several threads run one at a time.
    Each sequence of a batch keeps its own seeded generator and its own
    cache stream, so on the CPU a sample decoded in a batch equals the same
    sample decoded alone, token entropies included (checked by the tests on
    SmolLM2). A shared (unified) cache was 1.3x faster here but changed
    entropies by up to 0.15 nats after about 40 tokens, because attention
    then sums over the other sequences' masked cells. A GPU build may differ
    in the last bits.
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

        install_native_log_handler()
        self._lock = threading.Lock()
        try:
            self._model = _internals.LlamaModel(
                path_model=str(path), params=self._model_params(gpu_layers), verbose=False
            )
            n_parallel = max(1, n_parallel)
            total_ctx = n_ctx * n_parallel
            context_params = llama_cpp.llama_context_default_params()
            context_params.n_ctx = total_ctx
            context_params.n_batch = max(n_parallel, min(512, n_ctx))
            context_params.n_ubatch = context_params.n_batch
            context_params.n_seq_max = n_parallel
            # One cache stream per sequence keeps batched answers identical
            # to answers decoded alone.
            context_params.kv_unified = False
            threads = n_threads if n_threads is not None else _default_threads()
            context_params.n_threads = threads
            context_params.n_threads_batch = threads
            self._ctx = _internals.LlamaContext(
                model=self._model, params=context_params, verbose=False
            )
            self._batch = _internals.LlamaBatch(
                n_tokens=context_params.n_batch, embd=0, n_seq_max=n_parallel, verbose=False
            )
        except (ValueError, RuntimeError) as error:
            raise ModelLoadError(
                path,
                f"llama.cpp could not load it ({error}); the file may be truncated or use an "
                "architecture this llama.cpp build lacks",
            ) from None

        metadata = self._model.metadata()
        template = metadata.get("tokenizer.chat_template")
        if use_chat_template is None:
            use_chat_template = template is not None
        if use_chat_template and template is None:
            raise ModelLoadError(path, "the model has no chat template; run it as a base model")
        self._n_vocab = self._model.n_vocab()
        self._n_ctx = n_ctx
        self._n_parallel = n_parallel
        self._memory = llama_cpp.llama_get_memory(self._ctx.ctx)
        self._prefilled: tuple[list[int], np.ndarray] | None = None
        self.info = BackendInfo(
            path=path,
            architecture=metadata.get("general.architecture", "unknown"),
            chat_template=template if use_chat_template else None,
            n_vocab=self._n_vocab,
            n_ctx=n_ctx,
        )
        self._bos_text = self._token_text(self._model.token_bos())
        self._eos_text = self._token_text(self._model.token_eos())
        log.info("loaded %s (%s, %s prompt)", path.name, self.info.architecture,
                 "chat" if use_chat_template else "raw")

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

    def _decode_prompt(self, tokens: Sequence[int]) -> np.ndarray:
        """Decode tokens on sequence 0 from position 0; return a copy of the last logits row."""
        import llama_cpp

        for start in range(0, len(tokens), self._batch._n_tokens):
            chunk = list(tokens[start : start + self._batch._n_tokens])
            self._batch.set_batch(chunk, start, False)
            self._ctx.decode(self._batch)
        row = llama_cpp.llama_get_logits_ith(self._ctx.ctx, -1)
        return np.ctypeslib.as_array(row, shape=(self._n_vocab,)).copy()

    def _prefill(self, prompt: RenderedPrompt, max_tokens: int) -> tuple[int, np.ndarray]:
        """Evaluate the prompt once on sequence 0, reusing it when it is unchanged."""
        import llama_cpp

        tokens = self._tokenize(prompt)
        if len(tokens) + max_tokens > self._n_ctx:
            raise BackendError(
                "llama.cpp",
                f"prompt of {len(tokens)} tokens plus --max-tokens {max_tokens} exceeds the "
                f"context of {self._n_ctx} tokens; raise n_ctx or lower --max-tokens",
            )
        if self._prefilled is not None and self._prefilled[0] == tokens:
            return len(tokens), self._prefilled[1]
        llama_cpp.llama_memory_clear(self._memory, True)
        self._prefilled = None
        logits = self._decode_prompt(tokens)
        self._prefilled = (tokens, logits)
        return len(tokens), logits

    def _fork_prompt(self, n_prompt: int, n_sequences: int) -> None:
        """Leave sequences 0..n_sequences-1 holding exactly the prompt's cache cells."""
        import llama_cpp

        llama_cpp.llama_memory_seq_rm(self._memory, 0, n_prompt, -1)
        for seq in range(1, n_sequences):
            llama_cpp.llama_memory_seq_rm(self._memory, seq, -1, -1)
            llama_cpp.llama_memory_seq_cp(self._memory, 0, seq, -1, -1)

    def n_prompt_tokens(self, prompt: RenderedPrompt) -> int:
        """Count the tokens of a rendered prompt."""
        return len(self._tokenize(prompt))

    def _new_state(
        self,
        prompt: RenderedPrompt,
        n_prompt: int,
        max_tokens: int,
        params: SamplerParams | None,
        seed: int | None,
    ) -> SequenceState:
        import llama_cpp

        vocab = self._model.vocab
        return SequenceState(
            max_tokens=max_tokens,
            stop_strings=prompt.stop_strings,
            is_end_token=lambda token: bool(llama_cpp.llama_vocab_is_eog(vocab, token)),
            token_bytes=self._piece,
            params=params,
            seed=seed,
            context_left=self._n_ctx - n_prompt,
        )

    def greedy(self, prompt: RenderedPrompt, max_tokens: int) -> Generation:
        """Generate the greedy answer with per-token full-vocabulary entropy."""
        with self._lock:
            n_prompt, first_logits = self._prefill(prompt, max_tokens)
            self._fork_prompt(n_prompt, 1)
            state = self._new_state(prompt, n_prompt, max_tokens, None, None)
            self._decode_together([state], n_prompt, first_logits, None)
            return state.result()

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
            One answer per seed, in order. In a batch, each answer's
            ``elapsed_s`` is the batch's wall time divided by its size.
        """
        with self._lock:
            n_prompt, first_logits = self._prefill(prompt, max_tokens)
            group = self._n_parallel
            answers: list[Generation] = []
            for start in range(0, len(seeds), group):
                chunk = list(seeds[start : start + group])
                self._fork_prompt(n_prompt, len(chunk))
                states = [
                    self._new_state(prompt, n_prompt, max_tokens, params, seed) for seed in chunk
                ]
                started = time.perf_counter()
                self._decode_together(states, n_prompt, first_logits, cancel)
                share = (time.perf_counter() - started) / len(states)
                answers.extend(state.result(share) for state in states)
            return answers

    def _decode_together(
        self,
        states: Sequence[SequenceState],
        n_prompt: int,
        first_logits: np.ndarray,
        cancel: threading.Event | None,
    ) -> None:
        """Advance sequence i of states on llama.cpp sequence id i until all have ended."""
        import llama_cpp

        pending: list[tuple[int, int]] = []
        for seq, state in enumerate(states):
            token = state.step(first_logits)
            if token is not None:
                pending.append((seq, token))
        batch = self._batch.batch
        while pending:
            if cancel is not None and cancel.is_set():
                raise RunCancelled()
            batch.n_tokens = len(pending)
            for row, (seq, token) in enumerate(pending):
                batch.token[row] = token
                batch.pos[row] = n_prompt + len(states[seq].tokens) - 1
                batch.n_seq_id[row] = 1
                batch.seq_id[row][0] = seq
                batch.logits[row] = True
            self._ctx.decode(self._batch)
            next_pending: list[tuple[int, int]] = []
            for row, (seq, _) in enumerate(pending):
                logits = np.ctypeslib.as_array(
                    llama_cpp.llama_get_logits_ith(self._ctx.ctx, row), shape=(self._n_vocab,)
                )
                token = states[seq].step(logits)
                if token is not None:
                    next_pending.append((seq, token))
            pending = next_pending

    def close(self) -> None:
        """Free the llama.cpp context and model."""
        for resource in (getattr(self, "_batch", None), getattr(self, "_ctx", None),
                         getattr(self, "_model", None)):
            if resource is not None:
                resource.close()


def _default_threads() -> int:
    """Return the CPUs this process may use.

    llama.cpp's own default of 4 threads oversubscribes 2-core machines and
    halves decoding speed there.
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
