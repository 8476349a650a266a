"""Provides TutorCommands: the command palette's entries for the tutor's main actions and lessons."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import NamedTuple

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider

from tutor.app.i18n import translated, ui
from tutor.lessons.model import tr


class LessonCommand(NamedTuple):
    """One lesson-screen action, as the palette lists it and (with ``button``) the toolbar shows it.

    The texts are English; ``ui(lang, ...)`` gives them in the app's language where they are shown.
    """

    name: str
    keys: str  # how the keyboard reaches it: the palette's help line and the button's tooltip
    action: (
        str  # the lesson screen's action, run through the screen so keys, palette and mouse agree
    )
    button: str = ""  # the label under the cell; "" for none


LESSON_COMMANDS = (
    LessonCommand("Run the cell", "F5 or Ctrl+R", "run", "▶ Run"),
    LessonCommand("Edit the cell", "Enter or e; Esc leaves the editor", "edit"),
    LessonCommand("Interrupt the running cell", "F4", "interrupt", "■ Stop"),
    LessonCommand("Show the next hint", "F2", "hint", "Hint"),
    LessonCommand("Show the solution", "F3, after one attempt", "solution", "Solution"),
    LessonCommand("Take the solution into the cell", "Ctrl+T, once it is shown", "use_solution"),
    LessonCommand("Reset the cell", "Ctrl+L: the original code again", "reset_cell", "Reset"),
    LessonCommand(
        "Undo in the cell", "Ctrl+Z (a reset or the solution too); Ctrl+Y redoes", "undo_cell"
    ),
    LessonCommand(
        "Open the cell in your editor",
        "F12, or o outside the editor: $VISUAL or $EDITOR",
        "external_edit",
    ),
    LessonCommand(
        "Full-screen output",
        "Ctrl+F, or m outside the editor; again or Esc restores",
        "maximize_output",
    ),
    LessonCommand("Show the check's code", "c, after one attempt", "show_check"),
    LessonCommand("Previous step", "Ctrl+O, or p outside the editor", "previous", "◀ Prev"),
    LessonCommand("Next step", "Ctrl+N, or n outside the editor", "next", "Next ▶"),
    LessonCommand("Go to step…", "Ctrl+G", "jump"),
    LessonCommand(
        "Rerun the steps up to here", "F9: rebuild the variables after a restart", "rerun"
    ),
    LessonCommand(
        "Train this lesson's model on MNIST",
        "the nn.Module class you wrote, on the training screen",
        "train_own_model",
    ),
    LessonCommand("Back to the lessons", "Esc", "back"),
)


class TutorCommands(Provider):
    """Lesson actions when a lesson is open; opening lessons, training, theme and help everywhere.

    In another language the palette shows the translated names and also finds them by their English
    ones: typing "run" needs no input method.
    """

    def _commands(self) -> list[tuple[str, str, str, Callable[[], object]]]:
        """(name, English name, help, callback) for each command."""
        from tutor.app.screens.lesson import LessonScreen

        app = self.app
        screen = self.screen
        lang = app.lang
        found: list[tuple[str, str, str, Callable[[], object]]] = []
        if isinstance(screen, LessonScreen):
            for command in LESSON_COMMANDS:
                found.append(
                    (
                        ui(lang, command.name),
                        command.name,
                        ui(lang, command.keys),
                        partial(screen.run_action, command.action),
                    )
                )
        found += [
            (
                ui(lang, "Restart the interpreter"),
                "Restart the interpreter",
                ui(lang, "F8: a fresh worker; every variable is lost"),
                app.action_restart_interpreter,
            ),
            (
                ui(lang, "Continue where you left off"),
                "Continue where you left off",
                ui(lang, "the last lesson and step"),
                app.continue_learning,
            ),
            (
                ui(lang, "MNIST training"),
                "MNIST training",
                ui(lang, "train the FCN and the CNN live (t on the lesson list)"),
                app.action_open_training,
            ),
            (
                ui(lang, "Toggle light / dark theme"),
                "Toggle light / dark theme",
                "F10",
                app.action_toggle_theme,
            ),
            (ui(lang, "Help: all keys"), "Help: all keys", "F1", app.action_help),
        ]
        for item in app.catalog.lessons:
            lesson = item.lesson
            found.append(
                (
                    ui(lang, "Open lesson: {title}", title=tr(lesson.title, lang)),
                    f"Open lesson: {tr(lesson.title, 'en')}",
                    f"{lesson.id} · {tr(lesson.chapter, lang)}",
                    partial(app.open_lesson, lesson.id),
                )
            )
        return found

    async def discover(self) -> Hits:
        for name, _english, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    def _textual_commands(self) -> list[tuple[str, str, str, Callable[[], object]]]:
        """Textual's own commands (Theme, Quit, Keys…), only to be found by their English names.

        Textual's provider lists them, translated by ``TutorApp.get_system_commands``, and finds
        them only by that title; in another language this finds them by the English one too.
        """
        lang = self.app.lang
        if not translated(lang):
            return []
        return [
            (
                ui(lang, command.title, required=False),
                command.title,
                ui(lang, command.help, required=False),
                command.callback,
            )
            for command in App.get_system_commands(self.app, self.screen)
        ]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, english, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
            elif english != name and (score := matcher.match(english)) > 0:
                yield Hit(score, name, callback, help=help_text)
        for name, english, help_text, callback in self._textual_commands():
            # A match on the translated title is Textual's provider's hit already.
            if not matcher.match(name) and (score := matcher.match(english)) > 0:
                yield Hit(score, name, callback, help=help_text)
