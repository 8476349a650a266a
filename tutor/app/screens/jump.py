"""Provides JumpScreen: a small dialog listing a lesson's steps; Enter goes to the chosen one."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tutor.app.i18n import LocalizedBindings, lang_of, ui


class JumpScreen(LocalizedBindings, ModalScreen[int | None]):
    """Dismisses with the chosen step index, or None."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Close", id="jump.close")]

    def __init__(self, titles: list[str], done: set[int], current: int) -> None:
        super().__init__()
        self.titles = titles
        self.done = done
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="jump-dialog", classes="dialog"):
            yield Static(ui(lang_of(self), "[b]Go to step[/b]  (Enter: go · Esc: close)"))
            options = []
            for i, title in enumerate(self.titles):
                mark = "◉" if i == self.current else ("✓" if i in self.done else " ")
                options.append(Option(Text(f"{mark} {i + 1:>2}. {title}"), id=str(i)))
            yield OptionList(*options, id="jump-list")

    def on_mount(self) -> None:
        steps = self.query_one("#jump-list", OptionList)
        steps.highlighted = self.current
        steps.focus()

    @on(OptionList.OptionSelected, "#jump-list")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id))
