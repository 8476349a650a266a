"""The mistake coach's note in the lesson screen: under the verdict, visible at 80x24 and 100x32."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from app_support import (
    make_app,
    run_step,
    screen_text,
    wait_ready,
)

from tutor.app.widgets.coach_note import CoachNote
from tutor.app.widgets.verdict import VerdictView
from tutor.lessons.loader import load_catalog
from tutor.lessons.model import tr

LESSONS = Path(__file__).parent / "coach_lessons"


def _catalog():
    # With the built-in lessons: the note names the one that teaches the mistake (linalg).
    return load_catalog([LESSONS], builtin=True, user=False, env=False)


@pytest.mark.parametrize("size", [(80, 24), (100, 32)])
async def test_the_note_sits_under_the_verdict_with_the_learners_names(size):
    app = make_app(_catalog(), lesson_id="coach-demo")
    async with app.run_test(size=size) as pilot:
        await wait_ready(pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        note = app.screen.query_one(CoachNote)
        assert not note.display  # nothing ran yet
        outcome = await run_step(pilot, "f5")  # replays step 1, then fails on purpose
        assert outcome.passed is False and outcome.explanation is not None
        assert outcome.explanation.id == "matmul-shapes"
        verdict = app.screen.query_one(VerdictView)
        assert note.display
        assert note.region.y >= verdict.region.y + verdict.region.height  # under the verdict
        assert note.region.height > 0 and note.region.y + 1 < size[1]  # on screen
        shown = screen_text(app)
        assert "✗" in shown  # the verdict line itself
        assert (
            "`feats` has shape [2, 3]" in shown.replace("\n", " ")
            or "» In `feats @ weights`" in shown
        )
        assert "feats @ weights.T" in shown  # the fix, in the learner's names
        linalg = tr(app.catalog.get("linalg").lesson.title, "en")
        assert f"Taught in the lesson “{linalg}”." in str(note.render())
        # Inside the lesson that teaches it, the note does not send the learner there.
        note.show(replace(outcome, explanation=replace(outcome.explanation, lesson="coach-demo")))
        assert "Taught in" not in str(note.render()) and "feats @ weights.T" in str(note.render())


async def test_the_note_in_chinese_and_gone_after_a_reset():
    app = make_app(_catalog(), lesson_id="coach-demo", lang="zh")
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_ready(pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        await run_step(pilot, "f5")
        note = app.screen.query_one(CoachNote)
        shown = screen_text(app)
        assert note.display and "矩阵乘法" in shown and "改法：" in shown
        await pilot.press("ctrl+l")  # reset the cell: the note goes with the verdict
        await pilot.pause()
        assert not note.display
