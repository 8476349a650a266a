"""Provides HintsView: the hints revealed so far, one at a time, and the solution once shown."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.highlight import highlight
from textual.widgets import Button, Markdown, Static

from tutor.app.i18n import lang_of, ui
from tutor.app.mathtext import markdown_math
from tutor.lessons.model import Step, tr


class HintsView(Vertical):
    """Hidden while there is nothing to show."""

    DEFAULT_CSS = """
    HintsView {
        height: auto;
        padding: 0 1;
        border-top: hkey $accent 50%;
    }
    HintsView Markdown { margin: 0; padding: 0; }
    HintsView #solution-code { margin: 0 0 0 2; }
    HintsView #solution-row { height: auto; margin-top: 1; }
    HintsView #solution-title { width: auto; }
    """

    def compose(self) -> ComposeResult:
        lang = lang_of(self)
        yield Markdown(id="hints-md")
        with Horizontal(id="solution-row"):
            yield Static(ui(lang, "[b]Solution[/b]  "), id="solution-title")
            yield Button(
                ui(lang, "Put it in the cell (Ctrl+T)"),
                id="use-solution",
                compact=True,
                action="screen.use_solution",
            )
        yield Static(id="solution-code")

    def show(self, step: Step, lang: str, hints_shown: int, solution_shown: bool):
        """Update; returns an awaitable that completes when the hints are drawn."""
        shown = step.hints[:hints_shown]
        lines = []
        for i, hint in enumerate(shown):
            lines.append(
                ui(
                    lang,
                    "**Hint {n}/{total}:** {hint}",
                    n=i + 1,
                    total=len(step.hints),
                    hint=tr(hint, lang).strip(),
                )
            )
        hints_md = self.query_one("#hints-md", Markdown)
        hints_md.display = bool(lines)
        solution = bool(solution_shown and step.solution)
        self.query_one("#solution-row").display = solution
        code = self.query_one("#solution-code", Static)
        code.display = solution
        if solution:
            code.update(highlight(step.solution.strip("\n"), language="python"))
        self.display = bool(lines) or solution
        return hints_md.update(markdown_math("\n\n".join(lines)))
