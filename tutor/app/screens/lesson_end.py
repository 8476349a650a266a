"""Provides LessonEndScreen: the end of a lesson (steps done, exercises passed, what is next)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import HorizontalGroup, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tutor.app.i18n import LocalizedBindings, lang_of, ui


@dataclass(frozen=True)
class LessonSummary:
    """What the end-of-lesson view reports; ``next_title`` is "" after the last lesson."""

    title: str
    steps_done: int
    steps: int
    exercises_passed: int
    exercises: int
    next_title: str = ""
    todo: tuple[int, ...] = ()  # steps not done yet (0-based)


class LessonEndScreen(LocalizedBindings, ModalScreen[str | None]):
    """Dismissed with "next" (open the next lesson), "lessons" (the list), "step" (the first step
    not done) or None (stay on the last step)."""

    BINDINGS = [
        Binding("enter,n", "choose('next')", "Next lesson", id="end.next"),
        Binding("l", "choose('lessons')", "Lessons", id="end.lessons"),
        Binding("escape", "choose(None)", "Stay here", id="end.stay"),
    ]

    def __init__(self, summary: LessonSummary) -> None:
        super().__init__()
        self.summary = summary

    def compose(self) -> ComposeResult:
        lang = lang_of(self)
        with VerticalScroll(id="end-dialog", classes="dialog"):
            yield Static(id="end-body")
            with HorizontalGroup(id="end-buttons"):
                if self.summary.next_title:
                    yield Button(
                        ui(lang, "Next lesson (Enter)"),
                        id="end-next",
                        compact=True,
                        action="screen.choose('next')",
                    )
                elif self.summary.todo:
                    yield Button(
                        ui(lang, "First step not done (Enter)"),
                        id="end-next",
                        compact=True,
                        action="screen.choose('next')",
                    )
                yield Button(
                    ui(lang, "Lessons (l)"),
                    id="end-lessons",
                    compact=True,
                    action="screen.choose('lessons')",
                )
                yield Button(
                    ui(lang, "Stay here (Esc)"),
                    id="end-stay",
                    compact=True,
                    action="screen.choose(None)",
                )

    def on_mount(self) -> None:
        lang, s = lang_of(self), self.summary
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        table.add_row(ui(lang, "Steps done"), f"{s.steps_done}/{s.steps}")
        if s.exercises:
            table.add_row(ui(lang, "Exercises passed"), f"{s.exercises_passed}/{s.exercises}")
        if s.todo:
            todo = ", ".join(str(i + 1) for i in s.todo)
            table.add_row(ui(lang, "Not done yet"), ui(lang, "step(s) {steps}", steps=todo))
        if s.next_title:
            table.add_row(ui(lang, "What is next"), s.next_title)
        else:
            table.add_row(ui(lang, "What is next"), ui(lang, "This was the last lesson."))
        heading = Text(ui(lang, "End of “{title}”", title=s.title), style="bold")
        body = Table.grid()
        body.add_row(heading)
        body.add_row("")
        body.add_row(table)
        self.query_one("#end-body", Static).update(body)
        if self.summary.next_title or self.summary.todo:
            self.query_one("#end-next", Button).focus()

    def action_choose(self, choice: str | None) -> None:
        if choice == "next" and not self.summary.next_title:
            choice = "step" if self.summary.todo else None
        self.dismiss(choice)
