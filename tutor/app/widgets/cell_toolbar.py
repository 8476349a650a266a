"""Provides CellToolbar: mouse buttons for the cell's main actions (each also has a key)."""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.widgets import Button

from tutor.app.commands import LESSON_COMMANDS
from tutor.app.i18n import lang_of, ui

# Button width: the label, one cell of padding each side, at least MIN_WIDTH; GAP between buttons.
PAD, MIN_WIDTH, GAP = 1, 6, 1


class CellToolbar(HorizontalGroup):
    """One row of compact buttons under the code cell: the palette's lesson commands that have a label."""

    DEFAULT_CSS = """
    CellToolbar {
        height: 1;
        width: 1fr;
    }
    CellToolbar > Button {
        margin: 0 1 0 0;
        min-width: 6;
    }
    """

    def compose(self) -> ComposeResult:
        lang = lang_of(self)
        for command in LESSON_COMMANDS:
            if command.button:
                button = Button(
                    ui(lang, command.button),
                    id=f"btn-{command.action.replace('_', '-')}",
                    compact=True,
                    action=f"screen.{command.action}",
                )
                button.tooltip = f"{ui(lang, command.name)} ({ui(lang, command.keys)})"
                yield button

    def natural_width(self) -> int:
        """The row's width with padded buttons."""
        labels = [str(button.label) for button in self.query(Button)]
        return sum(max(MIN_WIDTH, cell_len(label) + 2 * PAD) for label in labels) + GAP * (
            len(labels) - 1
        )

    def on_resize(self, event: events.Resize) -> None:
        # At 100 columns the buttons are wider than the room beside the explanation (English cut
        # "Next" off, Chinese more): without padding every button still shows.
        tight = self.natural_width() > event.size.width
        for button in self.query(Button):
            # Inline: a Button always asks for its label plus two cells, and CSS refuses "line-pad: 0".
            if tight:
                button.styles.width = cell_len(str(button.label))
                button.styles.line_pad = 0
                button.styles.min_width = 0
            else:
                for rule in ("width", "line_pad", "min_width"):
                    button.styles.clear_rule(rule)
