"""Pilot tests of the everyday comforts: search, broken lessons, zh, palette, themes, NO_COLOR, layout."""

from __future__ import annotations

import pytest
from app_support import (
    run_step,
    running,
    screen_text,
    set_cell,
    wait_for,
    wait_ready,
)

from tutor.app.screens.home import HomeScreen
from tutor.app.screens.lesson import LessonScreen
from tutor.app.widgets.lesson_list import LessonList

pytestmark = pytest.mark.timeout(240)


def option_ids(app) -> list[str]:
    lessons = app.screen.query_one(LessonList)
    return [lessons.get_option_at_index(i).id or "" for i in range(lessons.option_count)]


async def test_home_lists_chapters_progress_prerequisites_and_broken_files():
    async with running((120, 40), ready=False) as (app, pilot):
        await pilot.pause()
        text = screen_text(app)
        # The worker needs a second or more to import torch; the home screen does not wait.
        assert "◌ starting" in text
        listing = text[text.index("Basics") :]  # the list, below "Start with App basics"
        assert 0 < listing.index("App basics") < listing.index("More") < listing.index("Loops")
        assert "0/4" in text and "needs: App basics" in text
        # The broken file is listed with its error instead of vanishing.
        assert "99-broken.toml" in text and "TOML syntax error" in text
        assert option_ids(app)[:2] == ["", "app-basics"]


async def test_search_filters_and_escape_clears():
    async with running((80, 24), fake=True) as (app, pilot):
        await pilot.press("slash", *"loop")
        await pilot.pause()
        ids = [i for i in option_ids(app) if i]
        assert ids == ["app-next"]
        await pilot.press("enter")  # the search box's Enter opens the top match
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == "app-next"
        await pilot.press("escape")
        await pilot.press("slash", *"nothing-like-this")
        await pilot.pause()
        assert "No lesson matches" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert "app-basics" in option_ids(app)


async def test_progress_check_mark_when_a_lesson_is_complete():
    async with running((80, 24), lesson_id="app-next") as (app, pilot):
        assert (await run_step(pilot)).passed
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert "✓ 02  Loops  1/1" in screen_text(app)


async def test_chinese_text_where_the_lesson_has_it():
    async with running((120, 40), lang="zh", lesson_id="app-basics", fake=True) as (app, pilot):
        await pilot.pause()
        text = screen_text(app)
        assert "应用基础" in text and "我们把两个数相加" in text
        await pilot.press("ctrl+n")  # step 2 has English only
        await pilot.pause()
        assert "A tensor times the" in screen_text(app)


async def test_command_palette_runs_lesson_actions():
    async with running((120, 40), lesson_id="app-basics", fake=True) as (app, pilot):
        await pilot.pause()
        await pilot.press("ctrl+p", *"next step")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, LessonScreen) and app.screen.state.index == 1
        await pilot.press("ctrl+p", *"open lesson: loops")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == "app-next"


async def test_training_key_opens_the_training_screen():
    async with running((80, 24), fake=True) as (app, pilot):
        await pilot.press("t")
        await pilot.pause(0.3)
        assert type(app.screen).__name__ == "TrainingScreen"


async def test_light_and_dark_themes():
    async with running((80, 24), fake=True) as (app, pilot):
        dark = app.current_theme.dark
        await pilot.press("f10")
        assert app.current_theme.dark is not dark
        await pilot.press("f10")
        assert app.current_theme.dark is dark


async def test_no_color_keeps_the_diff_marks_visible(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    async with running((120, 40), lesson_id="app-basics", ready=False) as (app, pilot):
        assert app.no_color
        await wait_ready(pilot)
        await pilot.press("ctrl+n")
        set_cell(app, "torch.tensor([5.0, 12.5, 15.0])")
        outcome = await run_step(pilot)
        assert outcome.passed is False
        diff = app.screen.query_one("#verdict-diff").render()
        # Reverse video survives the monochrome filter; colour alone would not.
        assert any(getattr(span.style, "reverse", False) for span in diff.spans)
        assert "✗" in screen_text(app)


@pytest.mark.parametrize("size,stacked", [((80, 24), True), ((120, 40), False), ((120, 24), True)])
async def test_panels_stack_on_small_terminals(size, stacked):
    async with running(size, lesson_id="app-basics") as (app, pilot):
        outcome = await run_step(pilot)
        assert outcome.passed
        screen = app.screen
        output, expected = screen.query_one("#output"), screen.query_one("#expected")
        if stacked:
            assert output.region.x == expected.region.x and expected.region.y > output.region.y
        else:
            assert output.region.y == expected.region.y and expected.region.x > output.region.x
        # After a run the verdict is scrolled into view, whatever the size.
        verdict = screen.query_one("#verdict")
        assert screen.region.contains_region(verdict.region) and verdict.region.height >= 1
        assert "✓ Passed" in screen_text(app)


async def test_long_output_scrolls():
    async with running((80, 24), lesson_id="app-basics") as (app, pilot):
        set_cell(app, "for i in range(300):\n    print('line', i)")
        outcome = await run_step(pilot)
        assert outcome.result.output.count("\n") == 300
        output = app.screen.query_one("#output")
        assert output.max_scroll_y > 0
        output.focus()
        await pilot.press("home")
        await pilot.pause()
        assert "│ line 0 " in screen_text(app) and "line 299" not in screen_text(app)
        await pilot.press("end")
        await pilot.pause()
        assert "line 299" in screen_text(app)


async def test_every_failure_status_is_shown_and_survived():
    async with running((120, 40), lesson_id="app-next") as (app, pilot):
        # limit: the worker's memory limit turns a huge allocation into a clean error.
        set_cell(app, "x = torch.empty(2**40, dtype=torch.uint8)")
        outcome = await run_step(pilot)
        assert outcome.result.status == "limit" and outcome.passed is False
        assert "✗" in screen_text(app) and "RuntimeError" in screen_text(app)
        # error: the learner-facing traceback, trimmed to the cell.
        set_cell(app, "print('before')\nprint(undefined_name)")
        outcome = await run_step(pilot)
        assert outcome.result.status == "error"
        shown = screen_text(app)
        assert "before" in shown and "line 2" in shown
        assert "NameError: name 'undefined_name' is not defined" in shown
        assert "tutor/interpreter" not in outcome.result.traceback
        # a capped output says how much was dropped.
        set_cell(app, "print('a' * 300_000)")
        outcome = await run_step(pilot)
        assert outcome.result.truncated
        output = app.screen.query_one("#output")
        output.scroll_end(animate=False)  # the kept 100 KB wrap to many lines; the note ends them
        await pilot.pause()
        assert "output cut" in screen_text(app)
        # and the interpreter still runs cells afterwards.
        app.screen.action_reset_cell()
        outcome = await run_step(pilot)
        assert outcome.passed, outcome.reason
        # timeout: the step's own limit (1 s) stops the cell.
        app.open_lesson("app-edges")
        await pilot.pause()
        outcome = await run_step(pilot)
        assert outcome.result.status == "timeout"
        assert "⏱" in screen_text(app)


async def test_mouse_only_journey():
    async with running((120, 40)) as (app, pilot):
        lines = screen_text(app).splitlines()
        y = next(i for i, line in enumerate(lines) if "○ 01  App basics" in line)
        await pilot.click(offset=(lines[y].index("App basics"), y))  # the lesson's row
        await pilot.pause(0.3)
        assert isinstance(app.screen, LessonScreen)
        screen = app.screen
        before = screen.finished_runs
        await pilot.click("#btn-run")
        await wait_for(pilot, lambda: screen.finished_runs > before, "the run")
        assert screen.state.state.outcome.passed
        await pilot.click("#btn-next")
        await pilot.pause()
        assert screen.state.index == 1
        await pilot.click("#btn-previous")
        await pilot.pause()
        assert screen.state.index == 0


async def test_a_regex_expectation_shows_its_example_and_the_pattern_small():
    async with running((100, 30), lesson_id="app-panels") as (app, pilot):
        shown = screen_text(app)
        assert "Expected output, for example" in shown
        example_at, pattern_at = (
            shown.index("21 apples"),
            shown.index("any output matching /^\\d+ apples$/"),
        )
        assert example_at < pattern_at
        body = app.screen.query_one("#expected-body").content
        pattern = next(
            span for span in body.spans if "matching" in body.plain[span.start : span.end]
        )
        assert "italic" in str(pattern.style)  # the secondary line is small print
        outcome = await run_step(pilot)  # and the example is honest: such an output passes
        assert outcome.passed, outcome.reason
        await pilot.press("n")  # no example: the pattern, as before
        shown = screen_text(app)
        assert "Expected output matching" in shown and "/^id-\\d+$/" in shown
        assert "for example" not in shown and "any output matching" not in shown


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_long_check_lines_wrap_in_the_checks_panel(size):
    async with running(size, lesson_id="app-panels") as (app, pilot):
        await pilot.press("ctrl+g", "end", "enter")  # the exercise with a long assertion
        await pilot.pause()
        panel = app.screen.query_one("#expected")
        assert panel.border_title == "Checks (run after your code)"
        shown = screen_text(app)
        # The check in words: the whole message is on screen, and nothing hides sideways.
        assert "• total should be the sum" in shown and "the end of this line" in shown, shown
        assert "assert" not in shown
        assert panel.max_scroll_x == 0
        # The output part below keeps its own lines.
        assert "total 45" in shown
        assert (await run_step(pilot)).passed is False
        await pilot.press("c")  # after an attempt, the source: wrapped, its continuation marked
        await pilot.pause()
        panel.scroll_end(animate=False)
        await pilot.pause()
        shown = screen_text(app)
        assert 'end of this line"' in shown and "↪" in shown, shown
        assert panel.max_scroll_x == 0


def test_wrap_code_keeps_every_word_within_the_width():
    from textual.highlight import highlight

    from tutor.app.widgets.check_code import CONTINUATION, wrap_code

    source = (
        "if ok:\n    raise AssertionError(\"almost: the loss is the batch MEAN, so each sample's "
        'softmax(z) − y is divided by the batch size")\nx = 1'
    )
    lines = highlight(source, language="python").split("\n")
    for width in (20, 46, 200):
        wrapped = wrap_code(lines, width)
        assert all(line.cell_length <= width for line in wrapped)
        plain = [line.plain for line in wrapped]
        assert plain[0] == "if ok:" and plain[-1] == "x = 1"
        continued = [p for p in plain if CONTINUATION in p]
        assert bool(continued) == (width < 100)
        # Continuations sit right of the raise's own indentation, so they never read as new lines.
        assert all(p.index(CONTINUATION) >= 4 for p in continued)
        # Nothing lost or added but the breaks (a word longer than the room is folded).
        assert "".join("".join(plain).replace(CONTINUATION, "").split()) == "".join(source.split())
