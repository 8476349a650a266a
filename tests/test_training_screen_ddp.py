"""Tests the training screen with two DDP processes (Pilot, the real worker and its ranks)."""

from __future__ import annotations

from app_support import wait_for
from test_training_ddp import wait_gone
from test_training_screen import Host, _text
from textual.widgets import Input, Static


async def test_two_processes_from_the_screen_say_so_and_pause_resume_and_stop():
    app = Host(model="fcn")
    async with app.run_test(size=(120, 32)) as pilot:
        screen = app.screen
        screen.query_one("#set-steps", Input).value = "1000000"
        screen.query_one("#set-world_size", Input).value = "2"
        screen.query_one("#set-threads", Input).value = "1"
        await pilot.press("s")
        ready = lambda: screen.state.step > 0  # noqa: E731
        await wait_for(pilot, ready, "the first step", timeout=120)
        await pilot.pause(0.3)
        info = _text(screen.query_one("#train-info", Static))
        assert "2 processes (gloo), 32 images each per step" in info, info
        pids = screen.state.start.pids
        await pilot.press("p")
        await wait_for(pilot, lambda: screen.state.status == "paused", "the pause")
        await pilot.press("p")
        await wait_for(pilot, lambda: screen.state.status == "running", "the resume")
        await pilot.press("x")
        await wait_for(pilot, lambda: screen.state.status == "stopped", "the stop", timeout=30)
    assert not wait_gone(pids)
