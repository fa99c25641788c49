"""A logging handler that feeds the TUI's log panes, thread-safely."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable

__all__ = ["PaneLogHandler"]

LineSink = Callable[[str, int], None]


class PaneLogHandler(logging.Handler):
    """Keep the latest formatted records and forward new ones to subscribed panes.

    Parameters
    ----------
    max_lines : int, default 2000
        Records kept for panes that subscribe later.

    Notes
    -----
    Records arrive from worker threads. Subscribers must be thread-safe
    themselves; the log pane posts a Textual message, which is.
    """

    def __init__(self, max_lines: int = 2000) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(levelname)-7s %(name)s: %(message)s"))
        self._lines: deque[tuple[str, int]] = deque(maxlen=max_lines)
        self._sinks: list[LineSink] = []
        self._sink_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        """Store the formatted record and pass it to every subscriber."""
        try:
            line = self.format(record)
        except Exception:  # noqa: BLE001 - logging must never raise into the caller
            self.handleError(record)
            return
        with self._sink_lock:
            self._lines.append((line, record.levelno))
            sinks = list(self._sinks)
        for sink in sinks:
            sink(line, record.levelno)

    def subscribe(self, sink: LineSink) -> list[tuple[str, int]]:
        """Add a subscriber and return the lines logged so far."""
        with self._sink_lock:
            self._sinks.append(sink)
            return list(self._lines)

    def unsubscribe(self, sink: LineSink) -> None:
        """Remove a subscriber; unknown ones are ignored."""
        with self._sink_lock:
            if sink in self._sinks:
                self._sinks.remove(sink)
