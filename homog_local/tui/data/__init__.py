"""View models of the TUI: plain data read from the store, built off the UI thread."""

from __future__ import annotations
