"""Provides CodeCell: the editable Python cell (highlighting, line numbers, auto-indent)."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

from tutor.app.i18n import lang_of, ui

# The border title says which mode the learner is in: navigating (letters are keys) or editing.
TITLE_OUTSIDE = "Code  (Enter edits · F5 runs)"
TITLE_EDITING = "✎ Editing  (Esc leaves · F5 runs and leaves)"

# Keys the cell hands on itself, in the order they come (see _on_key): running leaves the
# editor, stepping shows another cell, the step list and the help open over the screen.
SCREEN_KEYS = {
    "f5": "screen.run",
    "ctrl+r": "screen.run",
    "ctrl+n": "screen.next",
    "ctrl+o": "screen.previous",
    "ctrl+g": "screen.jump",
    "f1": "app.help",
}

INDENT = "    "
# A line that starts with one of these ends its block: the next line goes one level out.
_BLOCK_ENDERS = ("return", "pass", "break", "continue", "raise")


def indent_after(line: str) -> str:
    """The indentation a new line gets after ``line`` (the text left of the cursor)."""
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    stripped = line.strip()
    if stripped.split("#", 1)[0].rstrip().endswith(":"):
        return indent + INDENT
    first = stripped.split(None, 1)[0] if stripped else ""
    if first in _BLOCK_ENDERS:
        return indent[: max(len(indent) - len(INDENT), 0)]
    return indent


class CodeCell(TextArea):
    """The learner's code. The learner enters it on purpose (Enter, e, a click or Tab) and leaves with Esc,
    so letter keys outside it (n, p) never type into the cell by surprise."""

    DEFAULT_CSS = """
    CodeCell {
        height: 1fr;
        min-height: 4;
        border-subtitle-color: $text-muted;
    }
    CodeCell:focus {
        border: thick $accent;
        border-title-color: $text-accent;
        border-title-style: bold;
    }
    """

    # Shown in the footer while editing; the key itself is handled in _on_key (TextArea eats Esc).
    BINDINGS = [
        Binding("escape", "leave", "Leave cell", id="cell.leave"),
        Binding("ctrl+home", "document_start", "Start of the cell", show=False, id="cell.start"),
        Binding("ctrl+end", "document_end", "End of the cell", show=False, id="cell.end"),
    ]

    class Leave(Message):
        """The learner pressed Esc in the cell: the screen decides where focus goes."""

    def __init__(self, *, id: str | None = None) -> None:
        # The "css" theme follows the app's light/dark theme. Soft wrap: a long line is never
        # hidden past the right edge (continuations start under the line, after the gutter).
        super().__init__(
            "",
            language="python",
            theme="css",
            soft_wrap=True,
            tab_behavior="indent",
            show_line_numbers=True,
            id=id,
        )
        self.border_title = TITLE_OUTSIDE
        # Freshly loaded: entering the editor puts the cursor at the end of the code (where a
        # learner continues); after that, where they left it.
        self._fresh = True

    def on_mount(self) -> None:
        self.border_title = ui(lang_of(self), TITLE_OUTSIDE)
        # A blinking cursor would make snapshots differ from run to run.
        if self.app.stable:
            self.cursor_blink = False

    def on_focus(self) -> None:
        self.border_title = ui(lang_of(self), TITLE_EDITING)
        if self._fresh:
            self._fresh = False
            self.action_document_end()

    def on_blur(self) -> None:
        self.border_title = ui(lang_of(self), TITLE_OUTSIDE)

    def show_edited(self, edited: bool) -> None:
        """The bottom border says whose code the cell holds."""
        lang = lang_of(self)
        self.border_subtitle = (
            ui(lang, "✎ your code · Ctrl+L: the original")
            if edited
            else ui(lang, "the lesson's code")
        )

    async def _on_key(self, event: events.Key) -> None:
        # A burst of keys (F5 then n, typed fast or sent by tmux) is queued here before the first
        # one is handled. Once a key has taken the learner out of the editor, the rest belong to
        # where focus is now: sent back to the app, they reach it in order and never type into
        # the cell. The run and step keys are handled here, in order with the typing before
        # them (a screen binding would see them only after they bubbled, behind later keys).
        if self.screen.focused is not self or self.app.screen is not self.screen:
            event.stop()
            event.prevent_default()
            self.app.post_message(events.Key(event.key, event.character))
            return
        if (action := SCREEN_KEYS.get(event.key)) is not None:
            event.stop()
            event.prevent_default()
            await self.run_action(action)
            return
        # TextArea's own Esc moves focus to the next widget (a toolbar button, where Enter would
        # run the cell); the screen's neutral place is more predictable. Enter, Tab and Shift+Tab
        # indent like a Python editor. Other keys fall through to TextArea's handler (Textual
        # calls each class's _on_key unless the default is prevented).
        handled = {
            "escape": self.action_leave,
            "enter": self.newline,
            "tab": self.indent_lines,
            "shift+tab": self.dedent_lines,
        }.get(event.key)
        if handled is None or self.read_only:
            return
        event.stop()
        event.prevent_default()
        handled()

    def action_leave(self) -> None:
        self.post_message(self.Leave())

    def action_document_start(self) -> None:
        self.move_cursor((0, 0))

    def action_document_end(self) -> None:
        self.move_cursor(self.document.end)

    def newline(self) -> None:
        """Enter: a new line indented as Python wants it (deeper after ':', kept otherwise)."""
        start, end = sorted(self.selection)
        row, column = start
        indent = indent_after(self.document.get_line(row)[:column])
        self._replace_via_keyboard("\n" + indent, start, end)

    def _selected_rows(self) -> range:
        (top, _), (bottom, bottom_col) = sorted(self.selection)
        if bottom > top and bottom_col == 0:
            bottom -= 1  # a selection that ends at a line's start does not include that line
        return range(top, bottom + 1)

    def indent_lines(self) -> None:
        """Tab: spaces to the next tab stop, or every selected line one level in."""
        start, end = self.selection
        if start[0] == end[0]:
            self._replace_via_keyboard(" " * self._find_columns_to_next_tab_stop(), *self.selection)
            return
        self.history.checkpoint()
        for row in self._selected_rows():
            self.insert(INDENT, (row, 0), maintain_selection_offset=True)

    def dedent_lines(self) -> None:
        """Shift+Tab: the current or selected lines one level out (as many spaces as they have)."""
        self.history.checkpoint()
        for row in self._selected_rows():
            line = self.document.get_line(row)
            spaces = min(len(INDENT), len(line) - len(line.lstrip(" ")))
            if spaces:
                self.delete((row, 0), (row, spaces), maintain_selection_offset=True)

    def load(self, code: str) -> None:
        """A new cell (a step change): its own undo history; entering puts the cursor at the end."""
        self.load_text(code)
        self._fresh = True
        self.move_cursor((0, 0))
        self.scroll_home(animate=False)

    def replace_all(self, code: str) -> None:
        """Replace the whole text as one edit that Ctrl+Z undoes (reset, the solution, $EDITOR)."""
        self.history.checkpoint()
        self.replace(code, (0, 0), self.document.end)
        self.history.checkpoint()
        self.move_cursor(self.document.end)
