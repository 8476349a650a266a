"""Tests keys that arrive in one burst (a paste, tmux, a fast typist over SSH) apply in order on the lesson screen."""

from __future__ import annotations

from app_support import running, wait_for
from textual import events

from tutor.app.widgets.code_cell import CodeCell


def burst(app, keys: list[tuple[str, str | None]]) -> None:
    # Pilot.press waits for the app to go idle after every key, which hides ordering bugs; a
    # terminal delivers a burst of keys back to back, so post them all at once, as the driver does.
    for key, char in keys:
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)


async def test_keys_typed_right_after_a_reset_land_in_the_reset_cell():
    async with running(size=(120, 40), fake=True, lesson_id="app-basics") as (app, pilot):
        await wait_for(pilot, lambda: bool(app.screen.query(CodeCell)), "the lesson screen")
        cell = app.screen.query_one(CodeCell)
        original = cell.text
        await pilot.press("enter", "z", "z")  # into the editor, and change the cell
        assert cell.text != original
        burst(app, [("ctrl+l", None), ("a", "a"), ("b", "b"), ("c", "c")])
        for _ in range(50):
            await pilot.pause(0.05)
            if cell.text.endswith("abc"):
                break
        # Reset first, then the typing (at the end, where a reset leaves the cursor): before, the
        # reset reached the screen after the editor had taken "abc", and wiped it.
        assert cell.text == original + "abc"
