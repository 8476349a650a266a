"""Tests the home screen and the app around it with Pilot, over a fake interpreter (no worker).

Continue goes to the next unfinished step or lesson; lesson numbers are shown and found; Enter in
the search opens the top match; the palette's Theme works and speaks Chinese under --lang zh;
opening the training screen never starts a run; Ctrl+Q ends the training worker without waiting.
"""

from __future__ import annotations

import inspect
import signal

import pytest
from app_support import fixture_catalog, running, screen_text, wait_for
from textual.widgets import Input

from tutor.app import i18n
from tutor.app.i18n_zh import ZH
from tutor.app.next_step import next_step
from tutor.app.palette import TEXTUAL_STRINGS
from tutor.app.widgets.lesson_list import _matches
from tutor.lessons.loader import load_catalog
from tutor.progress import ProgressStore

pytestmark = pytest.mark.timeout(120)


def _store(done: dict[str, list[int]], last: tuple[str, int] | None = None) -> ProgressStore:
    store = ProgressStore.load()
    for lesson_id, steps in done.items():
        for step in steps:
            store.mark_done(lesson_id, step)
    if last is not None:
        store.set_position(*last)
    return store


def _lesson_place(app) -> tuple[str, int]:
    return app.screen.lesson.id, app.screen.state.index


def test_next_step_is_the_next_unfinished_step_then_the_next_lesson():
    catalog = fixture_catalog()  # app-basics (4 steps), app-next, app-edges, app-panels
    assert next_step(catalog, _store({})).loaded.lesson.id == "app-basics"
    place = next_step(catalog, _store({"app-basics": [0, 1]}, last=("app-basics", 1)))
    assert (place.loaded.lesson.id, place.step, place.fresh) == ("app-basics", 2, False)
    place = next_step(catalog, _store({"app-basics": [0, 2, 3]}, last=("app-basics", 3)))
    assert (place.loaded.lesson.id, place.step) == ("app-basics", 1)  # wraps round to a gap
    place = next_step(catalog, _store({"app-basics": [0, 1, 2, 3]}, last=("app-basics", 3)))
    assert (place.loaded.lesson.id, place.step, place.fresh) == ("app-next", 0, True)
    everything = {item.lesson.id: list(range(len(item.lesson.steps))) for item in catalog.lessons}
    place = next_step(catalog, _store(everything, last=("app-next", 0)))
    assert (place.loaded.lesson.id, place.step) == ("app-next", 0)  # all done: stays


async def test_continue_goes_to_the_next_unfinished_step_and_then_the_next_lesson():
    store = _store({"app-basics": [0, 1]}, last=("app-basics", 1))
    async with running((100, 30), fake=True, progress=store) as (app, pilot):
        assert "01 App basics  step 3/4  (2 done)" in screen_text(app)
        await pilot.press("c")
        await wait_for(pilot, lambda: hasattr(app.screen, "lesson"), "the lesson screen")
        assert _lesson_place(app) == ("app-basics", 2)

        for step in range(4):
            store.mark_done("app-basics", step)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not hasattr(app.screen, "lesson"), "the home screen")
        await pilot.pause(0.1)
        assert "Next lesson: 02 Loops  step 1/1  (0 done)" in screen_text(app)
        await pilot.press("c")
        await wait_for(pilot, lambda: hasattr(app.screen, "lesson"), "the next lesson")
        assert _lesson_place(app) == ("app-next", 0)


async def test_lesson_numbers_are_shown_and_found_and_enter_opens_the_top_match():
    async with running((100, 30), fake=True) as (app, pilot):
        text = screen_text(app)
        assert "01  App basics" in text and "02  Loops" in text
        await pilot.press("slash", "0", "1")
        await pilot.pause(0.1)
        text = screen_text(app)
        assert "App basics" in text.split("01", 2)[-1] and "Loops" not in text
        search = app.screen.query_one("#search", Input)
        search.value = "2"  # the number without its zero
        await pilot.pause(0.1)
        assert "Loops" in screen_text(app) and "App basics  0/4" not in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: hasattr(app.screen, "lesson"), "the top match to open")
        assert _lesson_place(app) == ("app-next", 0)


async def test_enter_opens_the_lesson_whose_id_was_typed_before_earlier_matches():
    catalog = load_catalog(builtin=True, user=False, env=False)
    matches = [item.lesson.id for item in catalog.lessons if _matches(item, "dim", "en")]
    if "dim" not in matches[1:]:
        pytest.skip("no built-in lesson before 'dim' mentions 'dim'")
    async with running((100, 30), fake=True, catalog=catalog) as (app, pilot):
        await pilot.press("slash", *"dim", "enter")
        await wait_for(pilot, lambda: hasattr(app.screen, "lesson"), "a lesson to open")
        assert app.screen.lesson.id == "dim"


async def test_enter_with_no_match_opens_nothing():
    async with running((100, 30), fake=True) as (app, pilot):
        home = app.screen
        await pilot.press("slash", *"zzz", "enter")
        await pilot.pause(0.2)
        assert app.screen is home and "No lesson matches 'zzz'." in screen_text(app)


async def _palette(pilot, query: str) -> None:
    app = pilot.app
    before = app.screen
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: app.screen is not before, "the command palette")
    await pilot.press(*query)
    await pilot.pause(
        0.8
    )  # the palette searches in the background, and says "no matches" after 0.5 s


@pytest.mark.parametrize(
    "lang, query, placeholder",
    [
        ("en", "theme", "Search for themes…"),
        (
            "zh",
            "theme",
            "搜索主题…",
        ),  # the English name finds the Chinese entry (no input method needed)
    ],
)
async def test_the_palettes_theme_entry_changes_the_theme(monkeypatch, lang, query, placeholder):
    monkeypatch.setattr(i18n, "STRICT", True)
    async with running((100, 30), fake=True, lang=lang) as (app, pilot):
        before = app.theme
        await _palette(pilot, query)
        await pilot.press("enter")
        await wait_for(pilot, lambda: placeholder in screen_text(app), "the list of themes")
        await pilot.press(*"dracula", "enter")
        await wait_for(pilot, lambda: app.theme == "dracula", f"the theme to change from {before}")


async def test_the_palette_says_no_matches_in_chinese(monkeypatch):
    monkeypatch.setattr(i18n, "STRICT", True)
    async with running((100, 30), fake=True, lang="zh") as (app, pilot):
        await _palette(pilot, "qqqqxz")
        text = screen_text(app)
        assert "没有匹配项" in text and "No matches found" not in text


def test_the_textual_strings_translated_are_still_textuals_own():
    """If Textual rewords one, its zh entry would silently stop applying."""
    import textual.app
    import textual.command

    source = inspect.getsource(textual.command) + inspect.getsource(textual.app)
    for english in TEXTUAL_STRINGS:
        assert f'"{english}"' in source and english in ZH, english
    assert "def _start_no_matches_countdown" in inspect.getsource(textual.command.CommandPalette)


@pytest.mark.parametrize("route", ["t", "palette"])
async def test_opening_training_never_starts_a_run_whichever_the_route(route):
    async with running((100, 30), fake=True) as (app, pilot):
        if route == "t":
            await pilot.press("t")
        else:
            await _palette(pilot, "MNIST training")
            await pilot.press("enter")
        await wait_for(
            pilot, lambda: type(app.screen).__name__ == "TrainingScreen", "the training screen"
        )
        await pilot.press("enter")  # a second Enter, as after a palette that was slow to list
        await pilot.pause(0.5)
        assert app.screen.state.status == "idle"


async def test_ctrl_q_kills_the_training_worker_instead_of_waiting_for_it():
    async with running((100, 30), fake=True) as (app, pilot):
        await pilot.press("t")
        await wait_for(
            pilot, lambda: getattr(app.screen, "client", None) is not None, "the training worker"
        )
        client = app.screen.client
        process = client._proc
        interp = app.host.interp
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: process.returncode is not None, "the training worker to end")
        assert process.returncode == -signal.SIGKILL  # killed at once, not asked to quit
        assert app.quitting and interp.shutdowns == 1
