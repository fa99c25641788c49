"""Screens render questions whose ten samples form ten clusters."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from homog_local.generation import Generation, RenderedPrompt, StopReason
from homog_local.settings import SamplerParams
from homog_local.tui.screens.explorer import ExplorerScreen

from .conftest import fake_engine, small_settings
from .fakes import FakeBackend
from .helpers import settle

WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
         "juliet")


class DistinctBackend(FakeBackend):
    """Every sample is a different sentence, so each clusterer finds ten clusters."""

    def sample(
        self,
        prompt: RenderedPrompt,
        params: SamplerParams,
        seeds: Sequence[int],
        max_tokens: int,
        cancel: threading.Event | None = None,
    ) -> list[Generation]:
        return [
            Generation(f"{WORDS[i]} answer number {i}", 4, StopReason.EOS, (0.5,), -1.0, seed)
            for i, seed in enumerate(seeds)
        ]


async def test_explorer_ten_clusters(store, make_app) -> None:
    engine = fake_engine(store, DistinctBackend())
    run_id = engine.create(small_settings(limit=2, n_samples=10))
    engine.execute(run_id)
    assert store.clusters(run_id)["0"]["jaccard@0.4"].n_clusters == 10

    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        app.push_screen(ExplorerScreen(run_id))
        await settle(pilot, app)
        await pilot.press("k")
        await settle(pilot, app)
        assert app.screen is not None
        assert app.return_code is None
