"""Provides CodeCell: the editable Python cell (TextArea with highlighting and line numbers)."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

from tutor.app.i18n import lang_of, ui

TITLE_OUTSIDE = "Code  (Enter edits · F5 runs)"
TITLE_EDITING = "Code  (Esc leaves · F5 runs)"


class CodeCell(TextArea):
    """The learner's code. The learner enters it on purpose (Enter, e, a click or Tab) and leaves with Esc,
    so letter keys outside it (n, p) never type into the cell by surprise."""

    DEFAULT_CSS = """
    CodeCell {
        height: 1fr;
        min-height: 4;
    }
    """

    # Shown in the footer while editing; the key itself is handled in _on_key (TextArea eats Esc).
    BINDINGS = [Binding("escape", "leave", "Leave cell", id="cell.leave")]

    class Leave(Message):
        """The learner pressed Esc in the cell: the screen decides where focus goes."""

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
        self.border_title = TITLE_OUTSIDE

    def on_mount(self) -> None:
        self.border_title = ui(lang_of(self), TITLE_OUTSIDE)
        # A blinking cursor would make snapshots differ from run to run.
        if self.app.stable:
            self.cursor_blink = False

    def on_focus(self) -> None:
        self.border_title = ui(lang_of(self), TITLE_EDITING)

    def on_blur(self) -> None:
        self.border_title = ui(lang_of(self), TITLE_OUTSIDE)

    async def _on_key(self, event: events.Key) -> None:
        # TextArea's own Esc moves focus to the next widget (a toolbar button, where Enter would
        # run the cell); the screen's neutral place is more predictable. Other keys fall through
        # to TextArea's handler (Textual calls each class's _on_key unless the default is prevented).
        if event.key == "escape":
            event.stop()
            event.prevent_default()
            self.action_leave()

    def action_leave(self) -> None:
        self.post_message(self.Leave())

    def load(self, code: str) -> None:
        self.load_text(code)
        # At the start: the end of a long cell would scroll its first lines (and columns) away.
        self.move_cursor((0, 0))
        self.scroll_home(animate=False)
