"""Provides StepBar: the lesson title, "step 3/7" and a clickable dot per step (● done, ◉ here)."""

from __future__ import annotations

from textual.content import Content
from textual.markup import escape
from textual.widgets import Static

from tutor.app.i18n import lang_of, ui


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
        lang = lang_of(self)
        where = ui(lang, "step {n}/{total}", n=index + 1, total=total)
        parts = [f"[b]{escape(title)}[/b]  [b]{where}[/b]"]
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
        finished = ui(lang, "{done}/{total} done", done=len(done & set(range(total))), total=total)
        parts.append(f"  [dim]{finished}[/]")
        self.update(Content.from_markup("".join(parts)))
