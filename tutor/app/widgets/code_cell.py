"""Provides CodeCell: the editable Python cell (TextArea with highlighting and line numbers)."""

from __future__ import annotations

from textual.widgets import TextArea


class CodeCell(TextArea):
    """The learner's code. Esc leaves the editor so the screen's letter keys work again."""

    DEFAULT_CSS = """
    CodeCell {
        height: 1fr;
        min-height: 4;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        # The "css" theme follows the app's light/dark theme.
        super().__init__(
            "",
            language="python",
            theme="css",
            soft_wrap=False,
            tab_behavior="indent",
            show_line_numbers=True,
            id=id,
        )
        self.border_title = "Code  (F5 / Ctrl+R runs)"

    def on_mount(self) -> None:
        # A blinking cursor would make snapshots differ from run to run.
        if getattr(self.app, "stable", False):
            self.cursor_blink = False

    def load(self, code: str) -> None:
        self.load_text(code)
        # At the start: the end of a long cell would scroll its first lines (and columns) away.
        self.move_cursor((0, 0))
        self.scroll_home(animate=False)
