"""Provides ExpectedPanel: what the step expects (output, pattern, error) or the exercise's checks."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from tutor.app.widgets.check_code import CheckCode
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


def describe(step: Step) -> tuple[str, str, Content | None]:
    """The expected panel's heading, the exercise's check source ("" for demos) and the body."""
    expect = step.expect
    if step.is_exercise:
        check = (step.check or "").strip("\n")
        if expect is None:
            return "Checks (run after your code)", check, None
        lead = "and an output like:\n" if _example(expect) is not None else "and the output: "
        return "Checks (run after your code)", check, Content.assemble(lead, expected_body(expect))
    if expect is None:
        what = "Runs without an error." if step.runnable else "This step has nothing to run."
        return "Expected", "", Content.styled(what, _NOTE)
    if _example(expect) is not None:
        return "Expected output, for example", "", expected_body(expect)
    return HEADINGS.get(expect_kind(expect), "Expected"), "", expected_body(expect)


def _example(expect: object) -> str | None:
    return expect.example if isinstance(expect, RegexExpect) else None


def expected_body(expect: object) -> Content:
    """What an expectation asks for, as the learner reads it."""
    kind = expect_kind(expect)
    if kind in ("text", "tensor", "shape"):
        return Content(expect.output.strip("\n"))
    if kind == "regex":
        example = _example(expect)
        if example is None:
            return Content(f"/{expect.pattern}/")
        # The example is what the learner can read; the pattern is the rule, for the curious.
        return Content.assemble(example.strip("\n"), "\n\n",
                                (f"any output matching /{expect.pattern}/", _NOTE))
    if kind == "error":
        match = f" with a message matching {expect.match!r}" if expect.match else ""
        return Content(f"raises {expect.type}{match}")
    return Content("runs without an error")


class ExpectedPanel(ScrollPanel):
    """Beside the output panel; scrolls both ways like it."""

    DEFAULT_CSS = """
    ExpectedPanel { border: round $secondary 50%; }
    ExpectedPanel:focus { border: round $secondary; }
    ExpectedPanel > #expected-body.-after-check { margin-top: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Expected", id=id)

    def compose(self):
        # Checks wrap (an assertion's message is read whole); expected outputs keep their lines
        # (tensor columns must line up) and scroll sideways.
        yield CheckCode(id="expected-check")
        yield Static(id="expected-body")

    def show(self, step: Step) -> None:
        title, check, body = describe(step)
        self.border_title = title
        code = self.query_one(CheckCode)
        code.show(check)
        code.display = bool(check)
        shown = self.query_one("#expected-body", Static)
        shown.update(body or "")
        shown.display = body is not None
        shown.set_class(bool(check), "-after-check")
        self.scroll_home(animate=False)
