"""Provides StepBar: one line of title, "step 3/7" and a clickable dot per step (● done, ◉ here)."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.content import Content
from textual.markup import escape
from textual.widgets import Static

from tutor.app.i18n import lang_of, ui

# A title is never cut to less than this (plus the ellipsis), so it stays recognisable.
MIN_TITLE = 8


def shorten(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, ending in "…" when it had to be cut (CJK-aware)."""
    if cell_len(text) <= width:
        return text
    cut = Text(text)
    cut.truncate(max(width, 1), overflow="ellipsis")
    return cut.plain


def fit_titles(title: str, step_title: str, room: int) -> tuple[str, str]:
    """The lesson and step titles shortened to ``room`` cells together: the step's title first."""
    sep = 3 if step_title else 0  # " · "
    over = cell_len(title) + sep + cell_len(step_title) - room
    if over <= 0:
        return title, step_title
    if step_title:
        keep = max(cell_len(step_title) - over, MIN_TITLE)
        step_title = shorten(step_title, keep)
        over = cell_len(title) + sep + cell_len(step_title) - room
    if over > 0:
        title = shorten(title, max(cell_len(title) - over, MIN_TITLE))
    return title, step_title


class StepBar(Static):
    """The progress indicator at the top of the lesson screen: always one line, so the layout
    under it never moves (long titles end in an ellipsis)."""

    DEFAULT_CSS = """
    StepBar {
        height: 1;
        width: 1fr;
        padding: 0 1;
        background: $boost;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    _shown: tuple[str, str, int, int, set[int]] | None = None

    def show(self, title: str, step_title: str, index: int, total: int, done: set[int]) -> None:
        self._shown = (title, step_title, index, total, set(done))
        self._draw()

    def on_resize(self, event: events.Resize) -> None:
        self._draw()

    def _draw(self) -> None:
        if self._shown is None:
            return
        title, step_title, index, total, done = self._shown
        lang = lang_of(self)
        where = ui(lang, "step {n}/{total}", n=index + 1, total=total)
        finished = ui(lang, "{done}/{total} done", done=len(done & set(range(total))), total=total)
        # Everything but the titles: "  step 3/7", "  ◀ " dots " ▶", "  2/7 done".
        fixed = cell_len(where) + 2 + 4 + total + 2 + 2 + cell_len(finished)
        width = self.content_size.width or self.size.width or 80
        title, step_title = fit_titles(title, step_title, width - fixed)
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
        parts.append(f"  [dim]{finished}[/]")
        self.update(Content.from_markup("".join(parts)))
