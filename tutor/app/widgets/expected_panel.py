"""Provides ExpectedPanel: what the step expects (output, pattern, error) or the exercise's checks."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from tutor.app.i18n import lang_of, ui
from tutor.app.widgets.check_code import CheckCode
from tutor.app.widgets.check_words import check_messages
from tutor.app.widgets.scroll_panel import ScrollPanel
from tutor.lessons.model import RegexExpect, Step


def expect_kind(expect: object) -> str:
    """The ``kind`` tag of an expectation struct (msgspec keeps tags on the class, not the instance)."""
    config = getattr(type(expect), "__struct_config__", None)
    return str(getattr(config, "tag", "") or "")


HEADINGS = {
    "shape": "Expected (only shapes and dtypes count)",
    "tensor": "Expected (numbers compared with tolerance)",
    "regex": "Expected output matching",
    "error": "Expected error",
}
_NOTE = "italic $text-muted"


def describe(step: Step, lang: str = "en") -> tuple[str, str, Content | None]:
    """The expected panel's heading, the exercise's check source ("" for demos) and the body."""
    expect = step.expect
    if step.is_exercise:
        check = (step.check or "").strip("\n")
        checks = ui(lang, "Checks (run after your code)")
        if expect is None:
            return checks, check, None
        if _example(expect) is not None:
            lead = ui(lang, "and an output like:\n")
        else:
            lead = ui(lang, "and the output: ")
        return checks, check, Content.assemble(lead, expected_body(expect, lang))
    if expect is None:
        if step.runnable:
            what = ui(lang, "Runs without an error.")
        else:
            what = ui(lang, "This step has nothing to run.")
        return ui(lang, "Expected"), "", Content.styled(what, _NOTE)
    if _example(expect) is not None:
        return ui(lang, "Expected output, for example"), "", expected_body(expect, lang)
    return ui(lang, HEADINGS.get(expect_kind(expect), "Expected")), "", expected_body(expect, lang)


def shows_source(step: Step) -> bool:
    """Whether the lesson asks for the check's source to be shown from the start."""
    return getattr(step, "check_display", "messages") == "source"


def check_words(
    step: Step, lang: str = "en", *, revealed: bool = False, attempted: bool = False
) -> Content:
    """The Checks panel's list: what the check tests, in words, and how to see its code."""
    messages, silent = check_messages(step.check or "", lang)
    lines: list[Content] = [Content.assemble("• ", message) for message in messages]
    if silent:
        more = (
            ui(lang, "and {count} more check(s)", count=silent)
            if messages
            else ui(lang, "{count} check(s)", count=silent)
        )
        lines.append(Content.styled("• " + more, _NOTE))
    if not revealed:
        if attempted:
            lines.append(Content.styled(ui(lang, "c shows the check's code."), _NOTE))
        else:
            later = ui(lang, "The check's code opens after your first attempt (c).")
            lines.append(Content.styled(later, _NOTE))
    return Content("\n").join(lines)


def _example(expect: object) -> str | None:
    return expect.example if isinstance(expect, RegexExpect) else None


def expected_body(expect: object, lang: str = "en") -> Content:
    """What an expectation asks for, as the learner reads it."""
    kind = expect_kind(expect)
    if kind in ("text", "tensor", "shape"):
        return Content(expect.output.strip("\n"))
    if kind == "regex":
        example = _example(expect)
        if example is None:
            return Content(f"/{expect.pattern}/")
        # The example is what the learner can read; the pattern is the rule, for the curious.
        return Content.assemble(
            example.strip("\n"),
            "\n\n",
            (ui(lang, "any output matching /{pattern}/", pattern=expect.pattern), _NOTE),
        )
    if kind == "error":
        if expect.match:
            return Content(
                ui(
                    lang,
                    "raises {type} with a message matching {match!r}",
                    type=expect.type,
                    match=expect.match,
                )
            )
        return Content(ui(lang, "raises {type}", type=expect.type))
    return Content(ui(lang, "runs without an error"))


class ExpectedPanel(ScrollPanel):
    """Beside the output panel; scrolls both ways like it."""

    DEFAULT_CSS = """
    ExpectedPanel { border: round $secondary 50%; }
    ExpectedPanel:focus { border: round $secondary; }
    ExpectedPanel > .-after-check { margin-top: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Expected", id=id)  # show() titles it in the app's language

    def compose(self):
        # An exercise's checks in words; its source (wrapped, continuations marked) once revealed.
        yield Static(id="expected-words")
        yield CheckCode(id="expected-check")
        yield Static(id="expected-body")

    def show(self, step: Step, *, revealed: bool = False, attempted: bool = False) -> None:
        """Draw ``step``'s expectation; ``revealed``: the learner asked for the check's source."""
        lang = lang_of(self)
        title, check, body = describe(step, lang)
        self.border_title = title
        revealed = revealed or shows_source(step)
        words = self.query_one("#expected-words", Static)
        words.display = bool(check)
        if check:
            words.update(check_words(step, lang, revealed=revealed, attempted=attempted))
        code = self.query_one(CheckCode)
        code.show(check if revealed else "")
        code.display = bool(check) and revealed
        code.set_class(bool(check), "-after-check")
        shown = self.query_one("#expected-body", Static)
        shown.update(body or "")
        shown.display = body is not None
        shown.set_class(bool(check), "-after-check")
        self.scroll_home(animate=False)
