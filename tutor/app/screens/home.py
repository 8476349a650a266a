"""Provides HomeScreen: the lesson browser with search, progress and "continue where you left off"."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, OptionList, Static

from tutor.app.i18n import LocalizedBindings, ui
from tutor.app.next_step import next_step
from tutor.app.widgets.lesson_list import LessonList, lesson_number, lesson_progress
from tutor.app.widgets.status_bar import StatusBar
from tutor.lessons.model import tr


class HomeScreen(LocalizedBindings, Screen):
    """Chapters and lessons in order; Enter opens one at the step the learner left it."""

    BINDINGS = [
        Binding("slash", "search", "Search", id="home.search"),
        Binding("c", "continue", "Continue", id="home.continue"),
        Binding("t", "app.open_training", "Training", id="home.training"),
        Binding("escape", "clear_search", "Clear search", id="home.clear_search", show=False),
        Binding("question_mark", "app.help", "Help", id="home.help", show=False),
        Binding("q", "app.quit", "Quit", id="home.quit", show=False),
    ]

    def compose(self) -> ComposeResult:
        lang = self.app.lang
        yield Static(id="home-title")
        with Horizontal(id="continue-row"):
            yield Button(ui(lang, "▶ Continue"), id="continue", compact=True, variant="primary")
            yield Static(id="continue-text")
        yield Input(placeholder=ui(lang, "Search lessons (Esc clears)"), id="search")
        yield LessonList(id="lessons")
        yield StatusBar()
        yield Footer()

    def on_mount(self) -> None:
        title = Text.assemble(
            ("torch-tutor", "bold"), "  ·  ", ui(self.app.lang, "learn PyTorch one step at a time")
        )
        self.query_one("#home-title", Static).update(title)
        self.refresh_lessons()
        lessons = self.query_one(LessonList)
        last = self.app.progress.last()
        if last and lessons.has_lesson(last[0]):
            lessons.highlighted = lessons.get_option_index(last[0])
        else:
            lessons.action_first()
        lessons.focus()

    def on_screen_resume(self) -> None:
        # Progress changes while a lesson is open.
        self.refresh_lessons()

    def refresh_lessons(self) -> None:
        app = self.app
        query = self.query_one("#search", Input).value
        self.query_one(LessonList).show(app.catalog, app.progress, app.lang, query)
        self._show_continue()

    def _show_continue(self) -> None:
        """Where c goes (next_step): the next unfinished step, or the next lesson."""
        app = self.app
        place = next_step(app.catalog, app.progress)
        text = Text()
        if place is None:
            text.append(
                ui(app.lang, "No lessons found. Add a folder with --lessons DIR."), style="italic"
            )
            self.query_one("#continue-text", Static).update(text)
            return
        loaded = place.loaded
        if place.fresh:
            started = bool(app.progress.lesson_ids())
            opening = ui(app.lang, "Next lesson: ") if started else ui(app.lang, "Start with ")
            text.append(opening, style="dim")
        text.append(f"{lesson_number(loaded)} ", style="dim")
        text.append(tr(loaded.lesson.title, app.lang), style="bold")
        done, total = lesson_progress(app.progress, loaded)
        where = ui(
            app.lang,
            "  step {step}/{total}  ({done} done)  ",
            step=place.step + 1,
            total=total,
            done=done,
        )
        text.append(where, style="dim")
        text.append("c", style="bold reverse")
        self.query_one("#continue-text", Static).update(text)

    # --- events -------------------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#lessons")
    def open_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.open_lesson(event.option.id)

    @on(Button.Pressed, "#continue")
    def continue_pressed(self) -> None:
        self.action_continue()

    @on(Input.Changed, "#search")
    def search_changed(self) -> None:
        self.refresh_lessons()

    @on(Input.Submitted, "#search")
    def search_submitted(self) -> None:
        """Enter opens the top match; with none, the list gets the focus (it says so)."""
        lessons = self.query_one(LessonList)
        top = lessons.first_lesson(self.query_one("#search", Input).value)
        if top is not None:
            self.app.open_lesson(top)
        else:
            lessons.focus()

    # --- actions ------------------------------------------------------------------------------

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.add_class("-open")
        search.focus()

    def action_clear_search(self) -> None:
        search = self.query_one("#search", Input)
        search.value = ""
        search.remove_class("-open")
        self.query_one(LessonList).focus()
        self.refresh_lessons()

    def action_continue(self) -> None:
        self.app.continue_learning()
