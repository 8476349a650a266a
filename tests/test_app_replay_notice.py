"""Pilot tests for the notice about earlier steps that fail when re-run before the current one.

A real worker runs a real TOML lesson written to a temporary lessons folder.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from app_support import (
    notifications,
    run_step,
    running,
    screen_text,
    set_cell,
    wait_for,
    wait_ready,
)
from textual.pilot import Pilot

from tutor.app import TutorApp
from tutor.lessons.loader import load_catalog

pytestmark = pytest.mark.timeout(240)

NOTICE = "Earlier steps had problems when re-run"

# Step 1 makes x (no expectation: it must only not fail); step 2 does not need it, so it can pass
# whatever happened to step 1 on the way.
SCRATCH = '''
format_version = 1
id = "replay-scratch"
title = "Replay"
chapter = "Tests"
order = 1
summary = "An earlier step that fails when re-run."

[[steps]]
title = "Make x"
text = "Make `x`."
code = """
x = 5
"""

[[steps]]
title = "Something else"
text = "Prints a word."
code = """
print("second step")
"""
[steps.expect]
kind = "text"
output = "second step\\n"
'''

# Step 1 needs CUDA: on a machine without it the step is skipped, so it is not re-run either.
CUDA_FIRST = '''
format_version = 1
id = "replay-cuda"
title = "Replay CUDA"
chapter = "Tests"
order = 2
summary = "A CUDA-only step before a plain one."

[[steps]]
title = "On the GPU"
text = "Only where CUDA is."
needs_cuda = true
code = """
g = torch.ones(2, device="cuda")
"""

[[steps]]
title = "Anywhere"
text = "Prints a word."
code = """
print("plain step")
"""
[steps.expect]
kind = "text"
output = "plain step\\n"
'''


@asynccontextmanager
async def lesson_app(
    tmp_path: Path, toml: str, lesson_id: str
) -> AsyncIterator[tuple[TutorApp, Pilot]]:
    """The app opened on ``lesson_id``, the only lesson of a fresh lessons folder; once ready."""
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / f"{lesson_id}.toml").write_text(toml, encoding="utf-8")
    catalog = load_catalog([folder], builtin=False, user=False, env=False)
    assert not catalog.errors, catalog.errors
    async with running(catalog=catalog, lesson_id=lesson_id) as (app, pilot):
        yield app, pilot


async def restart_worker(app: TutorApp, pilot: Pilot) -> None:
    """F8, and wait for the new worker (its namespaces are empty)."""
    generation = app.host.interp.generation
    await pilot.press("f8")
    await wait_for(pilot, lambda: app.host.interp.generation != generation, "a new worker")
    await wait_ready(pilot)


async def test_an_earlier_step_that_fails_on_rerun_is_noticed_and_the_step_still_runs(tmp_path):
    async with lesson_app(tmp_path, SCRATCH, "replay-scratch") as (app, pilot):
        # The classic notebook trap: step 1 passes only thanks to a name from a scratch run
        # of the same cell, which the passed code itself never defines.
        set_cell(app, "scratch = 3")
        assert (await run_step(pilot)).passed
        set_cell(app, "x = scratch + 2")
        assert (await run_step(pilot)).passed
        await restart_worker(app, pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.screen.state.index == 1
        # Running step 2 re-runs the learner's step 1 first, in the new, empty namespace.
        outcome = await run_step(pilot)
        # The notice comes with the outcome, before the run counts as finished: no race.
        notices = [n for n in notifications(app) if NOTICE in n]
        assert notices == [f"{NOTICE}: step 1: error (NameError)"], notifications(app)
        # The current step ran anyway, and its own output and verdict are shown.
        assert outcome.passed, outcome.reason
        assert outcome.result.output == "second step\n"
        assert "second step" in screen_text(app)
        # The replay really ran the learner's step 1: x is not there, scratch never was.
        probe = await app.host.interp.execute("x", namespace="replay-scratch")
        assert probe.error_type == "NameError"


async def test_a_cuda_step_skipped_here_is_not_rerun_nor_reported(tmp_path):
    async with lesson_app(tmp_path, CUDA_FIRST, "replay-cuda") as (app, pilot):
        await pilot.press("ctrl+n")
        await pilot.pause()
        outcome = await run_step(pilot)
        assert outcome.passed, outcome.reason
        assert outcome.result.output == "plain step\n"
        assert not [n for n in notifications(app) if NOTICE in n]
        # Where CUDA works the step runs and makes g; elsewhere it was skipped, not run and failed.
        probe = await app.host.interp.execute("'g' in dir()", namespace="replay-cuda")
        cuda = app.host.interp.device.kind == "cuda"
        assert probe.value == repr(cuda)
