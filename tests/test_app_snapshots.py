"""Snapshots (snap_compare) of home, a passing step, a failing step and help, at 80x24 and 120x40.

Stable mode hides timings and machine names, the cursor does not blink, and every snapshot waits
for the interpreter to be ready, so the pictures only change when the UI does.
Update them with: pytest tests/test_app_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest
from app_support import (
    make_app,
    run_step,
    set_cell,
    wait_ready,
)

pytestmark = pytest.mark.timeout(240)

SIZES = [(80, 24), (120, 40)]


def snapshot(snap_compare, size, act=None, **app_options) -> bool:
    """The app's picture once the interpreter is ready, after ``act(pilot)`` and with no toasts."""

    async def run_before(pilot):
        await wait_ready(pilot)
        if act is not None:
            await act(pilot)
        # Toasts come and go on timers; they are tested elsewhere.
        pilot.app.clear_notifications()
        await pilot.pause(0.2)

    return snap_compare(make_app(**app_options), terminal_size=size, run_before=run_before)


@pytest.fixture(params=SIZES, ids=["80x24", "120x40"])
def size(request):
    return request.param


def test_home(snap_compare, size):
    assert snapshot(snap_compare, size, fake=True)


def test_passing_step(snap_compare, size):
    async def act(pilot):
        assert (await run_step(pilot)).passed

    assert snapshot(snap_compare, size, act, lesson_id="app-basics")


def test_failing_step(snap_compare, size):
    async def act(pilot):
        await pilot.press("ctrl+n")
        set_cell(pilot.app, "t = torch.tensor([1.0, 2.5, 3.0]) * x\nt")
        assert (await run_step(pilot)).passed is False

    assert snapshot(snap_compare, size, act, lesson_id="app-basics")


def test_help(snap_compare, size):
    async def act(pilot):
        await pilot.press("f1")

    assert snapshot(snap_compare, size, act, lesson_id="app-basics", fake=True)
