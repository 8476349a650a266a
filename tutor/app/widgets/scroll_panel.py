"""Provides ScrollPanel: a bordered, titled box that scrolls both ways and takes focus (output, expected)."""

from __future__ import annotations

from textual.containers import ScrollableContainer


class ScrollPanel(ScrollableContainer, can_focus=True):
    """Long content scrolls down, wide lines (tensors) sideways; focused, the arrow keys scroll it."""

    DEFAULT_CSS = """
    ScrollPanel {
        height: 1fr;
        overflow: auto auto;
        border: round $primary 50%;
        border-title-color: $text;
        padding: 0 1;
    }
    ScrollPanel:focus { border: round $primary; }
    ScrollPanel > Static { width: auto; min-width: 100%; height: auto; }
    """

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = title
