"""A RichLog fed by the TUI's logging handler."""

from __future__ import annotations

import logging

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import RichLog

from homog_local.tui.log_handler import PaneLogHandler

__all__ = ["LogPane"]

_LEVEL_STYLES = {logging.WARNING: "yellow", logging.ERROR: "bold red", logging.CRITICAL: "bold red"}


class LogPane(RichLog):
    """Log records of the ``homog_local`` loggers, newest at the bottom.

    Parameters
    ----------
    handler : PaneLogHandler
        Source of the lines; the pane replays what it already holds.
    """

    DEFAULT_CSS = """
    LogPane {
        height: 6;
        border: round $primary-muted;
        border-title-color: $text-muted;
    }
    """

    class LineLogged(Message):
        """A log record was formatted for the pane."""

        def __init__(self, line: str, level: int) -> None:
            super().__init__()
            self.line = line
            self.level = level

    def __init__(self, handler: PaneLogHandler, **kwargs: object) -> None:
        super().__init__(wrap=True, markup=False, max_lines=1000, **kwargs)  # type: ignore[arg-type]
        self._handler = handler
        self.border_title = "Log"

    def on_mount(self) -> None:
        """Subscribe to the handler and show earlier lines."""
        for line, level in self._handler.subscribe(self._post_line):
            self._write_line(line, level)

    def on_unmount(self) -> None:
        """Stop receiving lines."""
        self._handler.unsubscribe(self._post_line)

    def _post_line(self, line: str, level: int) -> None:
        # Called from any thread; post_message is thread-safe.
        self.post_message(self.LineLogged(line, level))

    @on(LineLogged)
    def _show_line(self, message: LineLogged) -> None:
        self._write_line(message.line, message.level)

    def _write_line(self, line: str, level: int) -> None:
        self.write(Text(line, style=_LEVEL_STYLES.get(level, "")))
