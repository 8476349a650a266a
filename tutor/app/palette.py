"""Provides LocalPalette: Textual's command palette with its own words in the app's language."""

from __future__ import annotations

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.widgets.option_list import Option

from tutor.app.i18n import lang_of, ui

# Textual's own strings that the palette shows and that the app translates (i18n_zh.py has them;
# tests check that Textual still spells them so).
TEXTUAL_STRINGS = ("No matches found", "Search for commands…", "Search for themes…")


class LocalPalette(CommandPalette):
    """The palette, saying "No matches found" in the app's language.

    Textual writes that line from a timer inside ``_start_no_matches_countdown`` and offers no
    hook for its text, so the method is replaced here by the same steps with a translated line
    (Textual 8; tests/test_app_home.py notices if it changes).
    """

    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                text = ui(lang_of(self), "No matches found", required=False)
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(text, style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:
                self._list_visible = False  # discovery with nothing to list: no message

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
