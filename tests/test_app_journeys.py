"""Pilot journeys through the app with a real interpreter worker and the fixture lessons."""

from __future__ import annotations

import json

import pytest
from app_support import (
    make_app,
    notifications,
    run_step,
    running,
    screen_text,
    set_cell,
    wait_finished,
    wait_for,
    wait_ready,
)

from tutor.app.screens.home import HomeScreen
from tutor.app.screens.lesson import LessonScreen
from tutor.app.widgets.code_cell import CodeCell
from tutor.app.widgets.explanation import Explanation
from tutor.app.widgets.verdict import VerdictView

pytestmark = pytest.mark.timeout(240)


def progress_json(home) -> dict:
    return json.loads((home / "data" / "progress.json").read_text())


def verdict_text(app) -> str:
    view = app.screen.query_one(VerdictView)
    return "\n".join(str(w.render()) for w in view.query("Static") if w.display)


async def test_open_a_lesson_from_the_home_screen():
    async with running((80, 24), ready=False) as (app, pilot):
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("enter")  # the first lesson is highlighted
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        assert app.screen.lesson.id == "app-basics"
        text = screen_text(app)
        assert "step 1/4" in text and "We add two numbers" in text
        # The formula in the explanation is shown in Unicode, not LaTeX.
        assert "1/(1+e⁻ˣ)" in text and "\\frac" not in text
        await pilot.press("escape")  # back to the lessons: focus is not in the editor
        assert isinstance(app.screen, HomeScreen)


async def test_step_changes_never_put_focus_in_the_editor():
    async with running((120, 40), lesson_id="app-basics") as (app, pilot):
        screen = app.screen
        cell = screen.query_one(CodeCell)
        assert isinstance(app.focused, Explanation)
        assert "Enter edits" in screen_text(app) and "⏎ Edit" in screen_text(app)
        await pilot.press("n", "n")  # two steps on, nothing typed anywhere
        assert screen.state.index == 2 and cell.text == "y = ..."
        assert isinstance(app.focused, Explanation)
        await pilot.press("p")
        assert screen.state.index == 1 and not cell.has_focus
        await pilot.press("enter")  # into the editor: now n is a letter
        assert cell.has_focus and "Esc leaves" in screen_text(app)
        await pilot.press("n")  # typed where the cursor starts: at the end of the code
        assert cell.text.endswith("n") and screen.state.index == 1
        await pilot.press("ctrl+n")  # Ctrl+N moves on from inside the editor, and leaves it
        assert screen.state.index == 2 and not cell.has_focus
        await pilot.press("e", "ctrl+o")
        assert screen.state.index == 1 and not cell.has_focus
        assert screen.state.steps[1].code.endswith("n")  # the edit was kept
        await pilot.press("e", "ctrl+g", "down", "enter")  # jump, from inside the editor
        await pilot.pause()
        assert screen.state.index == 2 and isinstance(app.focused, Explanation)
        await pilot.press("tab")  # Tab from the explanation reaches the editor too
        assert cell.has_focus
        await pilot.press("escape")  # Esc leaves the editor, not the lesson
        assert isinstance(app.screen, LessonScreen) and isinstance(app.focused, Explanation)
        outcome = await run_step(pilot, "f5")  # F5 runs from outside the editor
        assert outcome.passed is False and "y should be twice x" in outcome.reason
        await pilot.click("#cell")
        assert cell.has_focus
        await pilot.press("ctrl+n")  # onto a text-only step: nothing to edit, Enter does nothing
        assert screen.state.index == 3 and "Nothing to run in this step: n" in screen_text(app)
        assert "⏎ Edit" not in screen_text(app)
        await pilot.press("enter")
        assert isinstance(app.focused, Explanation)


async def test_passing_cell_marks_the_step_done(tmp_path):
    async with running((120, 40), lesson_id="app-basics") as (app, pilot):
        outcome = await run_step(pilot, "f5")
        assert outcome.passed, outcome.reason
        assert "✓ Passed" in verdict_text(app)
        assert "5" in screen_text(app)
        assert "● ready" in screen_text(app)
    assert progress_json(tmp_path)["lessons"]["app-basics"]["done"] == [0]


async def test_failing_cell_shows_the_diff_with_the_number_marked():
    async with running((120, 40), lesson_id="app-basics") as (app, pilot):
        await pilot.press("ctrl+n")
        assert app.screen.state.index == 1
        set_cell(app, "t = torch.tensor([1.0, 2.5, 3.0]) * x\nt")
        # Step 2 needs x from step 1: the app runs step 1 first by itself.
        outcome = await run_step(pilot, "ctrl+r")
        assert outcome.passed is False
        assert "12.5" in outcome.reason
        diff = app.screen.query_one("#verdict-diff").render()  # Textual Content, styled spans
        marked = [
            diff.plain[span.start : span.end]
            for span in diff.spans
            if getattr(span.style, "reverse", False)
        ]
        assert any("12.5" in m for m in marked), marked
        shown = screen_text(app)
        assert "✗" in shown and "- tensor([ 5., 10., 15.])" in shown


async def test_exercise_with_hints_and_solution(tmp_path):
    async with running((120, 40), lesson_id="app-basics") as (app, pilot):
        await pilot.press("ctrl+g")  # jump to step 3
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        screen = app.screen
        assert screen.state.index == 2
        await pilot.press("f3")  # no solution before an attempt
        assert not screen.state.state.solution_shown
        assert any("solution opens after one try" in n for n in notifications(app))
        outcome = await run_step(pilot)  # the starter code (y = ...) fails the check
        assert outcome.passed is False
        assert "y should be twice x" in outcome.reason
        await pilot.press("f2")
        await pilot.pause()
        assert "Hint 1/2" in screen_text(app) and "Hint 2/2" not in screen_text(app)
        await pilot.press("f2")
        await pilot.pause()
        assert "Hint 2/2" in screen_text(app)
        await pilot.press("f2")
        assert any("last hint" in n for n in notifications(app))
        await pilot.press("f3")
        await pilot.pause()
        assert screen.state.state.solution_shown
        assert "y = x * 2" in screen_text(app)
        await pilot.click("#use-solution")
        await pilot.pause()
        assert app.screen.query_one("#cell").text == "y = x * 2"
        outcome = await run_step(pilot)
        assert outcome.passed, outcome.reason
        # Reset puts the starter back.
        await pilot.press("ctrl+l")
        assert app.screen.query_one("#cell").text == "y = ..."
    assert 2 in progress_json(tmp_path)["lessons"]["app-basics"]["done"]


async def test_interrupt_an_infinite_loop_keeps_the_namespace():
    async with running((120, 40), lesson_id="app-basics") as (app, pilot):
        assert (await run_step(pilot)).passed
        screen = app.screen
        set_cell(app, "print('looping now')\nwhile True:\n    pass")
        before = screen.finished_runs
        await pilot.press("f5")
        await wait_for(pilot, lambda: app.host.state == "busy", "the loop to run")
        await wait_for(pilot, lambda: "◉ busy" in screen_text(app), "the status bar to say busy")
        # What the cell printed is streamed to the output panel while it still runs.
        await wait_for(pilot, lambda: "looping now" in screen_text(app), "the streamed output")
        assert screen.running
        # The UI stays usable while the cell runs.
        await pilot.press("f1")
        assert app.screen.__class__.__name__ == "HelpScreen"
        await pilot.press("escape")
        await pilot.press("f4")
        await wait_finished(pilot, before)
        outcome = screen.state.state.outcome
        assert outcome.result.status == "interrupted"
        assert "⏹" in verdict_text(app)
        # x from before the loop is still there.
        set_cell(app, "print(x)")
        outcome = await run_step(pilot)
        assert outcome.passed and outcome.result.output == "5\n"


async def test_restart_then_rerun_the_steps_up_to_here():
    async with running((120, 40), lesson_id="app-basics") as (app, pilot):
        assert (await run_step(pilot)).passed
        await pilot.press("ctrl+n")
        generation = app.host.interp.generation
        await pilot.press("f8")
        # No spare worker in the tests: a cold restart, long enough to be seen.
        await wait_for(
            pilot, lambda: "restarting" in screen_text(app), "the status bar to say restarting"
        )
        await wait_for(pilot, lambda: app.host.interp.generation != generation, "a new worker")
        await wait_ready(pilot)
        # The notice follows the state change in the same worker: wait for it rather than race it.
        await wait_for(
            pilot,
            lambda: any("Interpreter restarted" in n for n in notifications(app)),
            "the restart notice",
        )
        probe = await app.host.interp.execute("x", namespace="app-basics")
        assert probe.error_type == "NameError"  # the restart really emptied the namespace
        screen = app.screen
        before = screen.finished_runs
        await pilot.press("f9")
        await wait_finished(pilot, before)
        assert "Re-ran 1 earlier step" in verdict_text(app)
        probe = await app.host.interp.execute("x", namespace="app-basics")
        assert probe.value == "5"


async def test_a_crashing_cell_is_survived():
    async with running((120, 40), lesson_id="app-basics") as (app, pilot):
        assert (await run_step(pilot)).passed  # x = 5, in the worker about to crash
        await pilot.press("ctrl+n")
        await pilot.pause()
        set_cell(app, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
        outcome = await run_step(pilot)
        assert outcome.passed is False and outcome.result.status == "crashed"
        assert "✗" in verdict_text(app)
        await wait_ready(pilot)
        app.screen.action_reset_cell()
        # Step 2 uses step 1's x: the new worker must be given it again first.
        outcome = await run_step(pilot)
        assert outcome.passed, outcome.reason


async def test_quit_and_resume_at_the_same_step(tmp_path):
    async with running((80, 24), ready=False) as (app, pilot):
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("ctrl+n", "ctrl+n")
        await pilot.pause()
        assert app.screen.state.index == 2
        await pilot.press("ctrl+q")
    assert progress_json(tmp_path)["lessons"]["app-basics"]["position"] == 2

    again = make_app()
    async with again.run_test(size=(80, 24)) as pilot:
        assert "step 3/4" in screen_text(again)  # "continue where you left off"
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(again.screen, LessonScreen)
        assert again.screen.state.index == 2
        assert "step 3/4" in screen_text(again)

    direct = make_app(lesson_id="app-basics")  # `torch-tutor app-basics`
    async with direct.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(direct.screen, LessonScreen) and direct.screen.state.index == 2


async def test_leaving_a_running_lesson_interrupts_the_cell():
    async with running((80, 24), lesson_id="app-basics") as (app, pilot):
        screen = app.screen
        set_cell(app, "while True:\n    pass")
        before = screen.finished_runs
        await pilot.press("f5")
        await wait_for(pilot, lambda: app.host.state == "busy", "the loop to run")
        await pilot.press("escape")  # leave the lesson
        assert isinstance(app.screen, HomeScreen)
        await pilot.pause()
        await wait_for(pilot, lambda: screen.finished_runs > before, "the interrupted run to end")
        assert screen.state.state.outcome.result.status == "interrupted"
        await wait_ready(pilot)
        # The lesson opens again, at the same step, and runs.
        await pilot.press("enter")
        await pilot.pause()
        app.screen.action_reset_cell()
        assert (await run_step(pilot)).passed
