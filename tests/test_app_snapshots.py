"""Snapshots (snap_compare) of home, a passing step, a failing step and help, at 80x24 and 120x40.

Stable mode hides timings and machine names, the cursor does not blink, and every snapshot waits
for the interpreter to be ready, so the pictures only change when the UI does.
Update them with: pytest tests/test_app_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest
from app_support import make_app, run_step, set_cell, wait_ready

pytestmark = pytest.mark.timeout(240)

SIZES = [(80, 24), (120, 40)]


@pytest.fixture(autouse=True)
def tutor_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_TUTOR_HOME", str(tmp_path))
    monkeypatch.delenv("TORCH_TUTOR_LESSONS", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


async def settle(pilot) -> None:
    # Toasts come and go on timers; they are tested elsewhere.
    pilot.app.clear_notifications()
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_home(snap_compare, size):
    async def run_before(pilot):
        await wait_ready(pilot)
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_passing_step(snap_compare, size):
    async def run_before(pilot):
        await wait_ready(pilot)
        outcome = await run_step(pilot)
        assert outcome.passed
        await settle(pilot)

    assert snap_compare(make_app(lesson_id="app-basics"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_failing_step(snap_compare, size):
    async def run_before(pilot):
        await wait_ready(pilot)
        await pilot.press("ctrl+n")
        set_cell(pilot.app, "t = torch.tensor([1.0, 2.5, 3.0]) * x\nt")
        outcome = await run_step(pilot)
        assert outcome.passed is False
        await settle(pilot)

    assert snap_compare(make_app(lesson_id="app-basics"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_help(snap_compare, size):
    async def run_before(pilot):
        await wait_ready(pilot)
        await pilot.press("f1")
        await settle(pilot)

    assert snap_compare(make_app(lesson_id="app-basics"), terminal_size=size, run_before=run_before)
