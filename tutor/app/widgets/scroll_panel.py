"""Provides ScrollPanel: a titled box that wraps its text, scrolls and takes focus."""

from __future__ import annotations

from textual.containers import ScrollableContainer


class ScrollPanel(ScrollableContainer, can_focus=True):
    """Long content scrolls down; long lines wrap, so nothing ends at the edge unseen (only a
    picture wider than the panel scrolls sideways). Focused, the arrow keys scroll it; it can be
    maximised to the whole screen (Textual's maximize)."""

    ALLOW_MAXIMIZE = True

    DEFAULT_CSS = """
    ScrollPanel {
        height: 1fr;
        overflow: auto auto;
        border: round $primary 50%;
        border-title-color: $text;
        padding: 0 1;
    }
    ScrollPanel:focus { border: round $primary; }
    ScrollPanel > Static { width: 100%; height: auto; }
    """

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = title
