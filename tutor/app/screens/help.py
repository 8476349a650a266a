"""Provides HelpScreen: every key of every screen, read from the bindings so it never goes stale."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tutor.app.i18n import LocalizedBindings, lang_of, ui

# The editor's own keys (Textual's TextArea) that learners need most.
EDITOR_KEYS = [
    (
        "⏎ / e / Tab / click",
        "enter the editor (a step change never does); the cursor starts at the end",
    ),
    ("Esc", "leave the editor: n, p and e are keys again"),
    ("f5 / ^r", "run the cell and leave the editor: n then goes on, e edits again"),
    ("^n  ^o", "next, previous step: inside the editor too"),
    ("⏎", "new line, indented as Python needs (one level deeper after ':')"),
    (
        "Tab / Shift+Tab",
        "indent at the cursor or the selected lines / dedent the line or the selected lines",
    ),
    ("Ctrl+Home / Ctrl+End", "start / end of the cell"),
    ("Ctrl+Z / Ctrl+Y", "undo / redo, also of a reset (Ctrl+L) or the solution (Ctrl+T)"),
    ("Ctrl+C / Ctrl+X / Ctrl+V", "copy / cut / paste"),
    ("F7", "select everything in the cell"),
    ("F12 / o", "edit the cell in your own editor ($VISUAL or $EDITOR)"),
]
GENERAL_KEYS = [
    ("Ctrl+P", "command palette: every action by name"),
    ("Tab / Shift+Tab", "outside the editor: move between panels; the mouse works too"),
    ("↑ ↓ PgUp PgDn", "scroll the focused panel"),
    ("Ctrl+F / m", "the output panel full screen, and back (Esc too)"),
]

# The training screen's one rule for starting, which no key binding shows.
TRAINING_KEYS = [
    ("s / ▶ Start", "start a run: opening the screen (t, the palette) never starts one"),
]


def _key(app, keys: str) -> str:
    return " / ".join(app.get_key_display(Binding(k, "")) for k in keys.split(","))


class HelpScreen(LocalizedBindings, ModalScreen[None]):
    """Esc, q or F1 closes it."""

    BINDINGS = [
        Binding("escape,q,f1,question_mark", "dismiss", "Close", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Static(id="help-body")

    def on_mount(self) -> None:
        from tutor.app.app import TutorApp
        from tutor.app.screens.home import HomeScreen
        from tutor.app.screens.lesson import LessonScreen
        from tutor.app.training import TrainingScreen

        lang = lang_of(self)
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        sections = [
            (ui(lang, "Everywhere"), TutorApp.BINDINGS, GENERAL_KEYS),
            (ui(lang, "Lesson list"), HomeScreen.BINDINGS, []),
            (ui(lang, "Lesson"), LessonScreen.BINDINGS, []),
            (ui(lang, "Code cell editor"), [], EDITOR_KEYS),
            (ui(lang, "MNIST training"), TrainingScreen.BINDINGS, TRAINING_KEYS),
        ]
        for title, bindings, extra in sections:
            table.add_row(Text(title, style="bold underline"), "")
            # One row per action: "F5 / Ctrl+R  Run".
            rows: dict[str, tuple[list[str], str]] = {}
            for binding in bindings:
                keys, _ = rows.setdefault(binding.action, ([], binding.description))
                keys.append(_key(self.app, binding.key))
            for keys, description in rows.values():
                table.add_row(" / ".join(keys), ui(lang, description))
            for keys, what in extra:
                table.add_row(ui(lang, keys), ui(lang, what))
            table.add_row("", "")
        table.add_row("", Text(ui(lang, "Esc closes this help."), style="italic"))
        self.query_one("#help-body", Static).update(table)
