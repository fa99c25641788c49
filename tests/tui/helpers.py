"""Pilot helpers shared by the TUI tests."""

from __future__ import annotations

import time

from textual.app import App
from textual.pilot import Pilot

from homog_local.tui.jobs import JobState


async def settle(pilot: Pilot[object], app: App[object]) -> None:
    """Let pending messages and workers finish."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def wait_for_job(
    pilot: Pilot[object], app: App[object], run_id: int, timeout_s: float = 120.0
) -> JobState:
    """Wait until the in-process job of run_id is no longer running; return its state."""
    jobs = app.services.jobs  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = jobs.get(run_id)
        if job is not None and job.state is not JobState.RUNNING:
            await settle(pilot, app)
            return job.state
        await pilot.pause(0.1)
    raise AssertionError(f"run {run_id} still running after {timeout_s} s")


async def wait_until(pilot: Pilot[object], condition, timeout_s: float = 60.0) -> None:  # noqa: ANN001
    """Pause until condition() is true."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not met in time")
