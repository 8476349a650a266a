"""Provides CellToolbar: mouse buttons for the cell's main actions (each also has a key)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.widgets import Button

# (label, screen action, tooltip)
BUTTONS = (
    ("▶ Run", "run", "Run the cell (F5 or Ctrl+R)"),
    ("■ Stop", "interrupt", "Interrupt the running cell (F4)"),
    ("Hint", "hint", "Reveal the next hint (F2)"),
    ("Solution", "solution", "Show the solution after an attempt (F3)"),
    ("Reset", "reset_cell", "Put the original code back (Ctrl+L)"),
    ("◀ Prev", "previous", "Previous step (Ctrl+O)"),
    ("Next ▶", "next", "Next step (Ctrl+N)"),
)


class CellToolbar(HorizontalGroup):
    """One row of compact buttons under the code cell."""

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
        for label, action, tooltip in BUTTONS:
            button = Button(label, id=f"btn-{action.replace('_', '-')}", compact=True,
                            action=f"screen.{action}")
            button.tooltip = tooltip
            yield button
