"""Provides CoachNote: the mistake coach's explanation under the verdict (what went wrong, the fix, the lesson)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from tutor.app.i18n import lang_of, ui
from tutor.lessons.model import tr


def render_note(explanation: Any, lang: str = "en", lesson_title: str | None = None) -> Text:
    """An Explanation as Rich text: the text, then the fix as code, then the lesson that teaches it."""
    text = Text()
    text.append("» ", style="bold yellow")
    text.append(explanation.text)
    if explanation.fix:
        text.append("\n" + ui(lang, "Fix:") + " ", style="bold")
        lines = explanation.fix.splitlines()
        text.append(lines[0], style="bold cyan")
        for line in lines[1:]:
            text.append("\n     " + line, style="bold cyan")
    if lesson_title:
        text.append(
            "\n" + ui(lang, "Taught in the lesson “{title}”.", title=lesson_title),
            style="italic dim",
        )
    return text


class CoachNote(Static):
    """Hidden unless the last run failed in a way the coach's catalogue knows."""

    DEFAULT_CSS = """
    CoachNote {
        height: auto;
        padding: 0 1;
        margin: 0 0 1 0;
        border-left: thick $warning;
    }
    """

    def show(self, outcome: Any) -> None:
        """Show ``outcome.explanation`` (a tutor.judge.StepOutcome's), or hide when it has none."""
        explanation = getattr(outcome, "explanation", None) if outcome is not None else None
        self.display = explanation is not None
        if explanation is None:
            self.update("")
            return
        lang = lang_of(self)
        self.update(render_note(explanation, lang, self._lesson_title(explanation.lesson, lang)))

    def _lesson_title(self, lesson_id: str | None, lang: str) -> str | None:
        """The title of the lesson that teaches it; None inside that very lesson, or if it is not loaded."""
        here = getattr(self.screen, "lesson", None)
        if here is not None and getattr(here, "id", None) == lesson_id:
            return None
        catalog = getattr(self.app, "catalog", None)
        loaded = catalog.get(lesson_id) if catalog is not None and lesson_id else None
        return tr(loaded.lesson.title, lang) if loaded is not None else None
