"""Provides CellToolbar: mouse buttons for the cell's main actions (each also has a key)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.widgets import Button

from tutor.app.commands import LESSON_COMMANDS


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
        for command in LESSON_COMMANDS:
            if command.button:
                button = Button(command.button, id=f"btn-{command.action.replace('_', '-')}", compact=True,
                                action=f"screen.{command.action}")
                button.tooltip = f"{command.name} ({command.keys})"
                yield button
