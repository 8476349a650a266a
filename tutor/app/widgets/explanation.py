"""Provides Explanation: a step's Markdown, with code blocks highlighted and LaTeX made readable."""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from tutor.app.mathtext import markdown_math

# A fence with no language would be guessed; lesson code is Python.
_BARE_FENCE = re.compile(r"^(\s*)(```|~~~)\s*$")


def prepare(markdown: str) -> str:
    """Lesson Markdown as the widget should show it: bare fences tagged python, formulas converted."""
    lines, inside = [], False
    for line in markdown.splitlines():
        m = _BARE_FENCE.match(line)
        if m and not inside:
            line = f"{m.group(1)}{m.group(2)}python"
        if line.lstrip().startswith(("```", "~~~")):
            inside = not inside
        lines.append(line)
    return markdown_math("\n".join(lines).strip() + "\n")


class Explanation(VerticalScroll):
    """The explanation panel; scrolls when the text is longer than the room it has."""

    DEFAULT_CSS = """
    Explanation {
        height: 1fr;
        padding: 0 1;
    }
    Explanation > Markdown {
        margin: 0;
        padding: 0;
    }
    """

    def compose(self) -> ComposeResult:
        yield Markdown(id="explanation-md")

    def show(self, markdown: str):
        """Replace the text; returns an awaitable that completes when it is drawn."""
        self.scroll_home(animate=False)
        return self.query_one(Markdown).update(prepare(markdown))
