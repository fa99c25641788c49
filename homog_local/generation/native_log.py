"""Route llama.cpp's native log lines to Python logging.

llama.cpp prints model-loading details to stderr by default; they would draw
over the TUI and clutter the CLI. Here they go to the DEBUG level of the
``homog_local.native.llama_cpp`` logger (visible with ``homog -vv``).
"""

from __future__ import annotations

import ctypes
import logging

__all__ = ["install_native_log_handler"]

_native_log = logging.getLogger("homog_local.native.llama_cpp")
_log_callback_ref: object = None


def install_native_log_handler() -> None:
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
