"""Provides StepBar: the lesson title, "step 3/7" and a clickable dot per step (● done, ◉ here)."""

from __future__ import annotations

from textual.content import Content
from textual.markup import escape
from textual.widgets import Static


class StepBar(Static):
    """The progress indicator at the top of the lesson screen."""

    DEFAULT_CSS = """
    StepBar {
        height: auto;
        max-height: 3;
        width: 1fr;
        padding: 0 1;
        background: $boost;
    }
    """

    def show(self, title: str, step_title: str, index: int, total: int, done: set[int]) -> None:
        parts = [f"[b]{escape(title)}[/b]  [b]step {index + 1}/{total}[/b]"]
        if step_title:
            parts.append(f" · {escape(step_title)}")
        parts.append("  [@click=screen.previous]◀[/] ")
        for i in range(total):
            if i == index:
                dot = "[b reverse]◉[/]"
            elif i in done:
                dot = "[$success]●[/]"
            else:
                dot = "[dim]○[/]"
            # Clicking a dot jumps to that step.
            parts.append(f"[@click=screen.goto({i})]{dot}[/]")
        parts.append(" [@click=screen.next]▶[/]")
        parts.append(f"  [dim]{len(done & set(range(total)))}/{total} done[/]")
        self.update(Content.from_markup("".join(parts)))
