from __future__ import annotations

from homog_local.tui.screens.runs import RunsScreen


async def test_smoke(frozen_store, make_app):
    app = make_app(frozen_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
        await pilot.press("down", "down")
        for key, name in (("enter", "results"), ("2", "results2"), ("3", "results3"), ("4", "results4"), ("escape", None), ("x", "explorer"), ("escape", None), ("c", "compare"), ("escape", None), ("m", "monitor"), ("escape", None), ("n", "new"), ("escape", None), ("question_mark", "help")):
            await pilot.press(key)
            await pilot.pause(0.3)
            await app.workers.wait_for_complete()
            await pilot.pause(0.3)
            if name:
                app.save_screenshot(f"/tmp/{name}.svg")
