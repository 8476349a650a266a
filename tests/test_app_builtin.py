"""A learner goes through whole built-in lessons, keyboard only, with a real worker (issue 4's "done when").

Marked slow: it depends on the built-in lessons, which change as they are written.
"""

from __future__ import annotations

import json

import pytest
from app_support import (
    make_app,
    run_step,
    screen_text,
    wait_ready,
)

from tutor.app.screens.lesson import LessonScreen
from tutor.lessons.loader import load_catalog

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.mark.parametrize("lesson_id", ["setup", "tensors"])
async def test_walk_a_builtin_lesson_keyboard_only(lesson_id, tmp_path):
    catalog = load_catalog(builtin=True, user=False, env=False)
    if catalog.get(lesson_id) is None:
        pytest.skip(f"built-in lesson {lesson_id!r} is not there")
    lesson = catalog.get(lesson_id).lesson
    app = make_app(catalog)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        await pilot.press("slash", *lesson_id, "enter")  # search; Enter opens the match
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == lesson_id
        screen = app.screen
        for index, step in enumerate(lesson.steps):
            assert screen.state.index == index
            assert f"step {index + 1}/{len(lesson.steps)}" in screen_text(app)
            if step.is_exercise:
                first = await run_step(pilot, "f5")
                assert first.passed is False, f"step {index + 1}: the starter code passed"
                await pilot.press("f2", "f3", "ctrl+t")
                outcome = await run_step(pilot, "ctrl+r")
                assert outcome.passed, f"step {index + 1}: the solution failed: {outcome.reason}"
            elif step.runnable:
                outcome = await run_step(pilot, "f5")
                assert outcome.passed is not False, f"step {index + 1}: {outcome.reason}"
            await pilot.press("ctrl+n")
            await pilot.pause()
    done = json.loads((tmp_path / "data" / "progress.json").read_text())["lessons"][lesson_id][
        "done"
    ]
    # Every step, needs-CUDA ones included: without CUDA they are read and passed over.
    assert done == list(range(len(lesson.steps)))
