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
from homog_local.generation.prompt import RenderedPrompt, render_prompt
from homog_local.generation.records import Generation, StopReason
from homog_local.generation.sampling import TokenChoice, choose_greedy, choose_sampled
from homog_local.settings import SamplerParams

__all__ = ["BackendInfo", "LlamaBackend"]

log = logging.getLogger(__name__)
_native_log = logging.getLogger("homog_local.native.llama_cpp")
_log_callback_ref: object = None


def _install_native_log_handler() -> None:
    """Route llama.cpp's native log lines to DEBUG instead of stderr."""
    global _log_callback_ref
    if _log_callback_ref is not None:
        return
    import llama_cpp

    @llama_cpp.llama_log_callback  # type: ignore[misc]
    def _callback(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        if _native_log.isEnabledFor(logging.DEBUG):
            _native_log.debug("%s", text.decode("utf-8", errors="replace").rstrip())

    llama_cpp.llama_log_set(_callback, ctypes.c_void_p(0))
    _log_callback_ref = _callback  # keep the ctypes callback alive


@dataclass(frozen=True)
class BackendInfo:
    """What the loaded model is.

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

    Raises
    ------
    ModelLoadError
        When the file is missing, not GGUF, or llama.cpp cannot load it.

    Notes
    -----
    One lock guards the model: calls from several threads run one at a time.
    """

    def __init__(
        self,
        model_path: Path,
        *,
        use_chat_template: bool | None = None,
        n_ctx: int = 1024,
        gpu_layers: int = 0,
        n_threads: int | None = None,
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

        _install_native_log_handler()
        self._lock = threading.Lock()
        try:
            self._model = _internals.LlamaModel(
                path_model=str(path), params=self._model_params(gpu_layers), verbose=False
            )
            context_params = llama_cpp.llama_context_default_params()
            context_params.n_ctx = n_ctx
            context_params.n_batch = min(512, n_ctx)
            context_params.n_ubatch = min(512, n_ctx)
            threads = n_threads if n_threads is not None else _default_threads()
            context_params.n_threads = threads
            context_params.n_threads_batch = threads
            self._ctx = _internals.LlamaContext(
                model=self._model, params=context_params, verbose=False
            )
            self._batch = _internals.LlamaBatch(
                n_tokens=context_params.n_batch, embd=0, n_seq_max=1, verbose=False
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
        # NOTE: llama.cpp's extra buffer types (weight repacking, AMX) crash
        # in ggml_backend_amx_mul_mat on AMX-capable Xeons in llama-cpp-python
        # 0.3.36 (seen on a native build); plain CPU buffers avoid it at some
        # speed cost on such CPUs.
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

    def _decode(self, tokens: Sequence[int], n_past: int) -> np.ndarray:
        """Decode tokens at positions n_past.. and return a copy of the last logits row."""
        import llama_cpp

        for start in range(0, len(tokens), self._batch._n_tokens):
            chunk = list(tokens[start : start + self._batch._n_tokens])
            self._batch.set_batch(chunk, n_past + start, False)
            self._ctx.decode(self._batch)
        row = llama_cpp.llama_get_logits_ith(self._ctx.ctx, -1)
        return np.ctypeslib.as_array(row, shape=(self._n_vocab,)).copy()

    def _prefill(self, prompt: RenderedPrompt, max_tokens: int) -> tuple[int, np.ndarray]:
        tokens = self._tokenize(prompt)
        if len(tokens) + max_tokens > self._n_ctx:
            raise BackendError(
                "llama.cpp",
                f"prompt of {len(tokens)} tokens plus --max-tokens {max_tokens} exceeds the "
                f"context of {self._n_ctx} tokens; raise n_ctx or lower --max-tokens",
            )
        self._ctx.kv_cache_seq_rm(-1, 0, -1)
        return len(tokens), self._decode(tokens, 0)

    def n_prompt_tokens(self, prompt: RenderedPrompt) -> int:
        """Count the tokens of a rendered prompt."""
        return len(self._tokenize(prompt))

    def greedy(self, prompt: RenderedPrompt, max_tokens: int) -> Generation:
        """Generate the greedy answer with per-token full-vocabulary entropy."""
        with self._lock:
            n_prompt, first_logits = self._prefill(prompt, max_tokens)
            return self._run_one(prompt, n_prompt, first_logits, max_tokens, None, None)

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
            Checked between samples; when set, raises RunCancelled.

        Returns
        -------
        list of Generation
            One answer per seed, in order.
        """
        with self._lock:
            n_prompt, first_logits = self._prefill(prompt, max_tokens)
            answers = []
            for seed in seeds:
                if cancel is not None and cancel.is_set():
                    raise RunCancelled()
                rng = np.random.Generator(np.random.PCG64(seed))
                answers.append(
                    self._run_one(prompt, n_prompt, first_logits, max_tokens, params, rng, seed)
                )
            return answers

    def _run_one(
        self,
        prompt: RenderedPrompt,
        n_prompt: int,
        first_logits: np.ndarray,
        max_tokens: int,
        params: SamplerParams | None,
        rng: np.random.Generator | None,
        seed: int | None = None,
    ) -> Generation:
        import llama_cpp

        started = time.perf_counter()
        # Drop the previous answer's cache entries; the prompt's stay.
        self._ctx.kv_cache_seq_rm(-1, n_prompt, -1)
        logits = first_logits
        tokens: list[int] = []
        choices: list[TokenChoice] = []
        pieces: list[bytes] = []
        stop_reason = StopReason.MAX_TOKENS
        cut_bytes: int | None = None
        while len(tokens) < max_tokens:
            if params is None or rng is None:
                choice = choose_greedy(logits)
            else:
                choice = choose_sampled(logits, params, tokens, rng)
            if llama_cpp.llama_vocab_is_eog(self._model.vocab, choice.token):
                stop_reason = StopReason.EOS
                break
            tokens.append(choice.token)
            choices.append(choice)
            pieces.append(self._piece(choice.token))
            if prompt.stop_strings:
                cut_bytes = _find_stop(b"".join(pieces), prompt.stop_strings)
                if cut_bytes is not None:
                    stop_reason = StopReason.STOP_STRING
                    break
            if n_prompt + len(tokens) >= self._n_ctx:
                stop_reason = StopReason.CONTEXT_FULL
                break
            if len(tokens) < max_tokens:
                logits = self._decode([choice.token], n_prompt + len(tokens) - 1)

        raw = b"".join(pieces)
        n_kept = len(tokens)
        if cut_bytes is not None:
            raw = raw[:cut_bytes]
            n_kept = _tokens_within(pieces, cut_bytes)
        kept = choices[:n_kept]
        return Generation(
            text=raw.decode("utf-8", errors="replace").strip(),
            n_tokens=n_kept,
            stop_reason=stop_reason,
            token_entropies=tuple(c.entropy for c in kept),
            log_prob=float(sum(c.log_prob for c in kept)),
            seed=seed,
            elapsed_s=time.perf_counter() - started,
        )

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


def _find_stop(raw: bytes, stop_strings: Sequence[str]) -> int | None:
    """Return the byte offset of the earliest stop string in raw, or None."""
    best: int | None = None
    for stop in stop_strings:
        index = raw.find(stop.encode("utf-8"))
        if index >= 0 and (best is None or index < best):
            best = index
    return best


def _tokens_within(pieces: Sequence[bytes], cut_bytes: int) -> int:
    """Count the tokens that start before cut_bytes."""
    offset = 0
    for count, piece in enumerate(pieces):
        if offset >= cut_bytes:
            return count
        offset += len(piece)
    return len(pieces)
