"""Pilot tests for the lesson screen as a workspace (issue 12): nothing cut off, the learner's
code kept and undoable, a Python editor with clear modes, their own editor, checks in words,
clear verdicts.

Real lessons (tests/app_lessons, tests/workspace_lessons), a real app and, where a run is needed,
a real worker.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from app_support import (
    LESSONS,
    make_app,
    notifications,
    run_step,
    running,
    screen_text,
    set_cell,
    wait_for,
    wait_ready,
)
from textual import events

from tutor.app.screens.lesson import SAVE_DELAY, TOAST_SECONDS, LessonScreen
from tutor.app.screens.lesson_end import LessonEndScreen
from tutor.app.widgets.code_cell import CodeCell, indent_after
from tutor.app.widgets.expected_panel import ExpectedPanel
from tutor.app.widgets.explanation import Explanation
from tutor.app.widgets.output_panel import OutputPanel
from tutor.app.widgets.step_bar import StepBar
from tutor.lessons.loader import load_catalog

pytestmark = pytest.mark.timeout(240)

WORKSPACE = Path(__file__).parent / "workspace_lessons"
LONG_LINE = "".join(
    f"{i:03d}" for i in range(40)
)  # what step 1 of "workspace" prints: 120 characters


def catalog():
    return load_catalog([LESSONS, WORKSPACE], builtin=False, user=False, env=False)


def progress_file(home: Path) -> dict:
    """The progress file under ``home`` (tutor_home points TORCH_TUTOR_HOME at tmp_path)."""
    return json.loads((home / "data" / "progress.json").read_text())


async def lesson_screen(pilot) -> LessonScreen:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen), "the lesson screen")
    await pilot.pause()
    return app.screen


async def step_shown(pilot, screen: LessonScreen, index: int) -> None:
    """Wait until ``screen`` shows step ``index`` (the index changes when drawing starts)."""
    app = pilot.app
    await wait_for(
        pilot,
        lambda: app.screen is screen and screen.state.index == index,
        f"step {index + 1} on the lesson screen",
    )
    await wait_for(pilot, lambda: isinstance(app.focused, Explanation), "the explanation's focus")
    await pilot.pause(0.3)
    assert f"step {index + 1}/" in screen_text(app)


def burst(app, keys: list[tuple[str, str | None]]) -> None:
    """Keys posted back to back, as a terminal delivers a burst (see test_app_key_bursts)."""
    for key, char in keys:
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)


# --- 1. nothing is cut off ------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (100, 32), (120, 40)])
async def test_a_long_output_line_wraps_and_is_readable_in_full(size):
    async with running(size, catalog=catalog(), lesson_id="workspace") as (app, pilot):
        assert (await run_step(pilot)).passed
        text = screen_text(app)
        # Every character is on screen, in order, across the panel's lines.
        panel_lines = [line for line in text.splitlines() if "│" in line]
        joined = "".join(part.split("│")[1].strip() for part in panel_lines if part.count("│") >= 2)
        assert LONG_LINE in joined, text
        output = app.screen.query_one(OutputPanel)
        assert output.max_scroll_x == 0  # nothing waits past the right edge


async def test_the_output_panel_maximises_and_restores_with_one_key():
    async with running((100, 32), catalog=catalog(), lesson_id="workspace") as (app, pilot):
        screen = await lesson_screen(pilot)
        await pilot.press("ctrl+n")
        assert (await run_step(pilot)).passed  # the plot
        output = screen.query_one(OutputPanel)
        await pilot.press("ctrl+f")
        assert screen.maximized is output and output.outer_size.width == 100
        await pilot.press("ctrl+f")
        assert screen.maximized is None
        await pilot.press("m")  # the letter, outside the editor
        assert screen.maximized is output
        await pilot.press("escape")  # Textual's own: Esc restores too
        assert screen.maximized is None and isinstance(app.screen, LessonScreen)
        await pilot.press("enter", "ctrl+f")  # from inside the editor as well
        assert screen.maximized is output


async def test_long_code_lines_soft_wrap_in_the_cell():
    long_code = "total = " + " + ".join(str(i) for i in range(30)) + "  # the end"
    async with running((100, 32), ready=False, catalog=catalog(), lesson_id="app-basics") as (
        app,
        pilot,
    ):
        await lesson_screen(pilot)
        set_cell(app, long_code)
        await pilot.pause()
        cell = app.screen.query_one(CodeCell)
        assert cell.soft_wrap and cell.max_scroll_x == 0
        assert "# the end" in screen_text(app)


# --- 2. your code is yours ------------------------------------------------------------------------


async def test_edits_are_saved_and_come_back_after_a_restart_of_the_app(tmp_path):
    async with running((100, 32), ready=False, catalog=catalog(), lesson_id="app-basics") as (
        app,
        pilot,
    ):
        screen = await lesson_screen(pilot)
        await pilot.press("enter", *"  # mine")
        await pilot.pause(SAVE_DELAY + 0.3)  # the debounced save
        saved = progress_file(tmp_path)["lessons"]["app-basics"]["cells"]
        assert saved == {"0": "x = 2 + 3\nprint(x)  # mine"}
        assert "your code" in screen_text(app)
        await pilot.press("escape", "ctrl+n", "e", "z")
        assert screen.state.index == 1
    # Quitting at once (before the timer) still keeps the last keystroke.
    assert progress_file(tmp_path)["lessons"]["app-basics"]["cells"]["1"].endswith("z")
    async with running((100, 32), ready=False, catalog=catalog(), lesson_id="app-basics") as (
        app,
        pilot,
    ):
        screen = await lesson_screen(pilot)
        assert screen.state.index == 1
        cell = screen.query_one(CodeCell)
        assert cell.text.endswith("z")
        await pilot.press("ctrl+o")
        assert cell.text == "x = 2 + 3\nprint(x)  # mine"
        assert "your code" in screen_text(app)


async def test_old_progress_files_without_cells_still_load(tmp_path):
    (tmp_path / "data").mkdir(parents=True)
    (tmp_path / "data" / "progress.json").write_text(
        '{"format_version": 1, "last": "app-basics", '
        '"lessons": {"app-basics": {"done": [0], "position": 2}}}'
    )
    async with running((100, 32), ready=False, catalog=catalog(), lesson_id="app-basics") as (
        app,
        pilot,
    ):
        screen = await lesson_screen(pilot)
        assert screen.state.index == 2 and screen.query_one(CodeCell).text == "y = ..."
        assert not app.progress.warnings


async def test_reset_and_solution_can_be_undone_and_clear_the_old_verdict():
    async with running((100, 32), catalog=catalog(), lesson_id="app-basics") as (app, pilot):
        screen = await lesson_screen(pilot)
        await pilot.press("ctrl+n", "ctrl+n")
        cell = screen.query_one(CodeCell)
        set_cell(app, "y = x + x  # mine")
        assert (await run_step(pilot)).passed
        assert "✓ Passed" in screen_text(app)
        await pilot.press("ctrl+l")
        assert cell.text == "y = ..." and "✓ Passed" not in screen_text(app)
        assert "the lesson's code" in screen_text(app)
        await pilot.press("ctrl+z")  # outside the editor: the screen hands it to the cell
        assert cell.text == "y = x + x  # mine"
        await pilot.press("f3", "ctrl+t")
        assert cell.text == "y = x * 2"
        await pilot.press("enter", "ctrl+z")  # inside the editor: the cell's own undo
        assert cell.text == "y = x + x  # mine"
        await pilot.press("ctrl+y")
        assert cell.text == "y = x * 2"


async def test_replay_runs_what_the_learner_last_ran_after_a_worker_and_an_app_restart(tmp_path):
    async with running((120, 40), catalog=catalog(), lesson_id="app-basics") as (app, pilot):
        await lesson_screen(pilot)
        set_cell(app, "x = 7\nprint(x)")
        assert (await run_step(pilot)).passed is False  # 7 is not the 5 expected: ran all the same
        generation = app.host.interp.generation
        await pilot.press("f8")
        await wait_for(pilot, lambda: app.host.interp.generation != generation, "a new worker")
        await wait_ready(pilot)
        assert app.screen.query_one(CodeCell).text == "x = 7\nprint(x)"  # the new worker kept it
        await pilot.press("ctrl+n")
        said = []
        app.screen.say = lambda index, message, style="": said.append(str(message))
        outcome = await run_step(pilot)
        assert outcome.result.value == "tensor([ 7., 14., 21.])"
        assert any("the code you last ran there" in line for line in said), said
        # And says so under the verdict once the run is over, where the learner reads.
        note = app.screen.query_one("#verdict-note")
        assert str(note.render()) == (
            "First re-ran step(s) 1 to rebuild their variables (the code you last ran there)."
        )
        assert "First re-ran step(s) 1" in screen_text(app)
    async with running((120, 40), catalog=catalog(), lesson_id="app-basics") as (app, pilot):
        outcome = await run_step(pilot)  # step 2 again, in a new app: step 1 replays the same x = 7
        assert outcome.result.value == "tensor([ 7., 14., 21.])"


# --- 3. an editor for Python ----------------------------------------------------------------------


def test_indentation_after_a_line_follows_python():
    assert indent_after("with torch.no_grad():") == "    "
    assert indent_after("    for i in range(3):  # loop") == "        "
    assert indent_after("    y = x") == "    "
    assert indent_after("        return y") == "    "
    assert indent_after("x = 1") == ""


async def test_the_editor_indents_starts_at_the_end_and_shows_its_mode():
    async with running((100, 32), ready=False, catalog=catalog(), lesson_id="app-basics") as (
        app,
        pilot,
    ):
        screen = await lesson_screen(pilot)
        cell = screen.query_one(CodeCell)
        assert "Code  (Enter edits" in screen_text(app)
        await pilot.press("enter")
        assert cell.cursor_location == (1, len("print(x)"))  # at the end of the code
        assert "✎ Editing" in screen_text(app)
        await pilot.press("enter", *"with torch.no_grad():", "enter", *"y = x")
        assert cell.text.endswith("\nwith torch.no_grad():\n    y = x")
        await pilot.press("enter", *"z = y")
        assert cell.text.endswith("\n    y = x\n    z = y")
        await pilot.press("shift+tab")
        assert cell.text.endswith("\n    y = x\nz = y")
        await pilot.press("home", "tab")  # Tab indents inside the editor (it does not move focus)
        assert cell.has_focus and cell.text.endswith("\n    y = x\n    z = y")
        await pilot.press("shift+up", "tab")  # with two lines selected: both one level in
        assert cell.text.endswith("\n        y = x\n        z = y")
        await pilot.press("ctrl+home")
        assert cell.cursor_location == (0, 0)
        await pilot.press("ctrl+end")
        assert cell.cursor_location == cell.document.end
        await pilot.press("escape")
        assert "Code  (Enter edits" in screen_text(app)


async def test_f5_then_n_in_one_burst_runs_leaves_the_editor_and_steps_on():
    async with running((100, 32), catalog=catalog(), lesson_id="app-basics") as (app, pilot):
        screen = await lesson_screen(pilot)
        cell = screen.query_one(CodeCell)
        original = cell.text
        await pilot.press("enter")
        before = screen.finished_runs
        burst(app, [("a", "a"), ("f5", None), ("n", "n")])
        await wait_for(pilot, lambda: screen.finished_runs > before, "the run")
        await step_shown(pilot, screen, 1)
        # The "a" typed before F5 was run; the "n" after it was a key, not text.
        assert screen.state.steps[0].ran == original + "a"
        assert screen.state.steps[0].code == original + "a"
        assert isinstance(app.focused, Explanation)


async def test_a_burst_that_opens_the_step_list_from_the_editor_goes_to_the_list():
    async with running((100, 32), ready=False, catalog=catalog(), lesson_id="app-basics") as (
        app,
        pilot,
    ):
        screen = await lesson_screen(pilot)
        cell = screen.query_one(CodeCell)
        original = cell.text
        await pilot.press("enter")
        burst(app, [("ctrl+g", None), ("down", None), ("enter", None)])
        await step_shown(pilot, screen, 1)
        assert screen.state.steps[0].code == original  # no newline typed into step 1's cell


# --- 3b. the learner's own editor -----------------------------------------------------------------


async def test_the_cell_opens_in_the_learners_editor_and_comes_back(tmp_path, monkeypatch):
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\np = sys.argv[1]\ntext = open(p).read()\n"
        "open(p, 'w').write(text.replace('print(x)', 'print(x * 10)'))\n"
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    async with running((100, 32), ready=False, catalog=catalog(), lesson_id="app-basics") as (
        app,
        pilot,
    ):
        screen = await lesson_screen(pilot)
        await pilot.press("f12")
        await wait_for(
            pilot, lambda: "print(x * 10)" in screen.query_one(CodeCell).text, "the edited text"
        )
        assert screen.state.state.code == "x = 2 + 3\nprint(x * 10)"
        await pilot.press("ctrl+z")
        assert screen.query_one(CodeCell).text == "x = 2 + 3\nprint(x)"


async def test_no_editor_set_says_so(monkeypatch):
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    async with running((100, 32), ready=False, catalog=catalog(), lesson_id="app-basics") as (
        app,
        pilot,
    ):
        screen = await lesson_screen(pilot)
        await pilot.press("o")
        assert any("No editor is set" in n for n in notifications(app))
        assert screen.query_one(CodeCell).text == "x = 2 + 3\nprint(x)"


# --- 4. checks in words ---------------------------------------------------------------------------


async def test_checks_are_listed_in_words_and_the_source_opens_after_an_attempt():
    async with running((120, 40), catalog=catalog(), lesson_id="workspace") as (app, pilot):
        await lesson_screen(pilot)
        await pilot.press("ctrl+n", "ctrl+n")
        text = screen_text(app)
        assert "• w should be a tensor" in text
        assert "• w should hold 3 numbers, not …" in text
        assert "• the numbers in w should sum to 6" in text
        assert "assert" not in text and "isinstance" not in text
        await pilot.press("c")  # not before an attempt
        assert "assert" not in screen_text(app)
        assert (await run_step(pilot)).passed is False
        await pilot.press("c")
        assert "assert w.sum().item() == 6" in screen_text(app)
        await pilot.press("ctrl+n")  # check_display = "source": the code is shown from the start
        assert "assert v == 4" in screen_text(app) and "• v should be 4" in screen_text(app)


async def test_checks_in_words_follow_the_language():
    async with running((120, 40), catalog=catalog(), lesson_id="workspace", lang="zh") as (
        app,
        pilot,
    ):
        await lesson_screen(pilot)
        await pilot.press("ctrl+n", "ctrl+n")
        assert "• w 应该是张量" in screen_text(app)


# --- 5. clear verdicts ----------------------------------------------------------------------------


async def test_a_regex_verdict_names_the_example_not_the_pattern():
    async with running((120, 40), lesson_id="app-panels") as (app, pilot):
        outcome = await run_step(pilot)
        assert outcome.passed
        text = screen_text(app)
        assert "✓ Passed  the output has the form of the example under Expected" in text
        assert "/^\\d+ apples$/" not in text.split("Expected")[0]  # not in the verdict line


async def test_toasts_are_short_and_stay_off_the_output_and_expected_panels():
    app = make_app(catalog(), lesson_id="app-basics")
    async with app.run_test(size=(100, 32), notifications=True) as pilot:  # drawn toasts
        screen = await lesson_screen(pilot)
        screen.notify("a long message that would otherwise stay " * 3, timeout=30)
        await wait_for(pilot, lambda: bool(screen.query("Toast")), "the toast")
        assert [n.timeout for n in app._notifications] == [TOAST_SECONDS]
        toast = screen.query_one("Toast")
        for panel in (screen.query_one(OutputPanel), screen.query_one(ExpectedPanel)):
            assert not toast.region.overlaps(panel.region), (toast.region, panel.region)


async def test_a_long_title_keeps_the_header_on_one_line(tmp_path):
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / "long.toml").write_text(
        (WORKSPACE / "workspace.toml")
        .read_text()
        .replace(
            'title = "A long line"',
            'title = "A step title long enough to need two lines of header at eighty columns wide"',
        )
    )
    long_catalog = load_catalog([folder], builtin=False, user=False, env=False)
    async with running((80, 24), ready=False, catalog=long_catalog, lesson_id="workspace") as (
        app,
        pilot,
    ):
        screen = await lesson_screen(pilot)
        bar = screen.query_one(StepBar)
        assert bar.size.height == 1
        top = screen_text(app).splitlines()[0]
        assert "…" in top and "step 1/4" in top and "0/4 done" in top


async def test_the_end_of_a_lesson_shows_a_summary_and_opens_the_next_lesson():
    async with running((100, 32), catalog=catalog(), lesson_id="app-basics") as (app, pilot):
        screen = await lesson_screen(pilot)
        assert (await run_step(pilot)).passed
        await pilot.press("ctrl+g", "end", "enter")  # the last step (text only)
        await pilot.pause()
        assert screen.state.index == 3
        await pilot.press("n")
        await wait_for(
            pilot, lambda: isinstance(app.screen, LessonEndScreen), "the end-of-lesson view"
        )
        text = screen_text(app)
        assert "Steps done" in text and "2/4" in text  # step 1 passed, step 4 read
        assert "Exercises passed" in text and "0/1" in text
        assert "Not done yet" in text and "step(s) 2, 3" in text
        assert "Next" in text
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, LessonScreen) and app.screen is not screen,
            "the next lesson",
        )
        assert app.screen.lesson.id == "app-next"
        await wait_for(pilot, lambda: "step 1/" in screen_text(app), "its first step")
