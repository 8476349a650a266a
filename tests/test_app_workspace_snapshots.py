"""Snapshots (snap_compare) of the lesson screen as a workspace at 80x24, 100x32 and 120x40: a
120-character output line wrapped and readable in full, and a plot in the maximised output panel.

Stable mode hides timings and machine names; every snapshot waits for the interpreter.
Update them with: pytest tests/test_app_workspace_snapshots.py --snapshot-update
"""

from __future__ import annotations

from pathlib import Path

import pytest
from app_support import (
    make_app,
    run_step,
    wait_ready,
)

from tutor.app.widgets.output_panel import OutputPanel
from tutor.lessons.loader import load_catalog

pytestmark = pytest.mark.timeout(240)

WORKSPACE = Path(__file__).parent / "workspace_lessons"


@pytest.fixture(params=[(80, 24), (100, 32), (120, 40)], ids=["80x24", "100x32", "120x40"])
def size(request):
    return request.param


def snapshot(snap_compare, size, act) -> bool:
    async def run_before(pilot):
        await wait_ready(pilot)
        await act(pilot)
        pilot.app.clear_notifications()  # toasts come and go on timers; tested elsewhere
        await pilot.pause(0.3)

    catalog = load_catalog([WORKSPACE], builtin=False, user=False, env=False)
    return snap_compare(
        make_app(catalog, lesson_id="workspace"), terminal_size=size, run_before=run_before
    )


def test_a_long_output_line_wrapped(snap_compare, size):
    async def act(pilot):
        assert (await run_step(pilot)).passed
        # Stacked layouts: the output panel in view (the run scrolls to the verdict above it).
        pilot.app.screen.query_one("#lesson-body").scroll_to_widget(
            pilot.app.screen.query_one(OutputPanel), animate=False, top=True
        )

    assert snapshot(snap_compare, size, act)


def test_a_plot_in_the_maximised_output_panel(snap_compare, size):
    async def act(pilot):
        await pilot.press("ctrl+n")
        assert (await run_step(pilot)).passed
        await pilot.press("ctrl+f")

    assert snapshot(snap_compare, size, act)
