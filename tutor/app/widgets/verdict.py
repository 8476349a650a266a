"""Provides VerdictView: ✓ or ✗ with the one-line reason, and the diff with differing spans marked."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from tutor.app.i18n import lang_of, ui
from tutor.compare.messages import say
from tutor.judge import StepOutcome
from tutor.lessons.model import RegexExpect

# Colour plus a text style, so the marks still show with NO_COLOR.
MARK_STYLE = "bold reverse"
_SIGN_STYLE = {"-": "red", "+": "green", " ": "dim"}
_STATUS_SYMBOL = {"interrupted": "⏹", "timeout": "⏱", "crashed": "✗", "limit": "✗"}


def render_diff(diff: Any, lang: str = "en") -> Text:
    """A Verdict's diff lines as Rich text: ``-`` expected, ``+`` actual, differing spans reversed."""
    text = Text(overflow="fold")
    text.append(ui(lang, "- expected   + your output") + "\n", style="italic dim")
    for i, line in enumerate(diff):
        style = _SIGN_STYLE.get(line.sign, "")
        row = Text(f"{line.sign} {line.text}", style=style)
        for start, end in line.marks:
            row.stylize(MARK_STYLE, start + 2, end + 2)
        text.append_text(row)
        if i < len(diff) - 1:
            text.append("\n")
    return text


def plain_reason(reason: str, expect: object, lang: str = "en") -> str:
    """``reason`` with a regex step's pattern replaced by words: the learner reads the example."""
    if not isinstance(expect, RegexExpect) or expect.example is None:
        return reason
    words = {
        say(lang, "regex_matches", pattern=expect.pattern): ui(
            lang, "the output has the form of the example under Expected"
        ),
        say(lang, "regex_no_match", pattern=expect.pattern): ui(
            lang, "the output does not have the form of the example under Expected"
        ),
    }
    for raw, plain in words.items():
        reason = reason.replace(raw, plain)
    return reason


def headline(outcome: StepOutcome, lang: str = "en", expect: object = None) -> Text:
    """The verdict line for a StepOutcome (its reason is already in ``lang``: the judge writes it)."""
    status = outcome.result.status if outcome.result is not None else "ok"
    reason = plain_reason(outcome.reason or "", expect, lang)
    if outcome.passed:
        return Text.assemble((ui(lang, "✓ Passed"), "bold green"), f"  {reason}" if reason else "")
    if outcome.passed is None:
        return Text.assemble(
            ("– ", "bold yellow"), (reason or ui(lang, "Nothing to judge."), "yellow")
        )
    symbol = _STATUS_SYMBOL.get(status, "✗")
    return Text.assemble((f"{symbol} ", "bold red"), (reason or ui(lang, "Not yet."), "bold red"))


class VerdictView(VerticalScroll):
    """Hidden until a cell has run; then the verdict, and the diff when there is one."""

    DEFAULT_CSS = """
    VerdictView {
        height: auto;
        max-height: 12;
        padding: 0 1;
    }
    VerdictView > Static { width: 100%; }
    VerdictView > #verdict-note { color: $text-muted; text-style: italic; }
    """

    def compose(self):
        yield Static(id="verdict-line")
        yield Static(id="verdict-note")  # e.g. which earlier steps ran first
        yield Static(id="verdict-diff")

    def clear(self) -> None:
        self.show_message("")

    def show_message(self, message: str | Text, style: str = "") -> None:
        line = message if isinstance(message, Text) else Text(message, style=style)
        self.query_one("#verdict-line", Static).update(line)
        self.query_one("#verdict-diff", Static).update("")
        self.query_one("#verdict-diff", Static).display = False
        self.query_one("#verdict-note", Static).display = False
        self.display = bool(line.plain)

    def show_outcome(self, outcome: StepOutcome, expect: object = None, note: str = "") -> None:
        """Draw the outcome; ``expect`` (the step's) lets a regex verdict name its example, and
        ``note`` is a line under the verdict about how the run went."""
        self.display = True
        lang = lang_of(self)
        self.query_one("#verdict-line", Static).update(headline(outcome, lang, expect))
        note_line = self.query_one("#verdict-note", Static)
        note_line.update(note)
        note_line.display = bool(note)
        verdict = outcome.verdict
        diff = verdict.diff if verdict is not None and not outcome.passed else ()
        widget = self.query_one("#verdict-diff", Static)
        widget.display = bool(diff)
        widget.update(render_diff(diff, lang) if diff else "")
        self.scroll_home(animate=False)
