"""Provides ExpectedPanel: what the step expects (output, pattern, error) or the exercise's checks."""

from __future__ import annotations

from textual.containers import ScrollableContainer
from textual.content import Content
from textual.highlight import highlight
from textual.widgets import Static

from tutor.lessons.model import Step


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


def describe(step: Step) -> tuple[str, Content]:
    """A heading and the body for the expected panel."""
    expect = step.expect
    if step.is_exercise:
        body = highlight((step.check or "").strip("\n"), language="python")
        if expect is not None:
            lead = "and an output like:\n" if _example(expect) is not None else "and the output: "
            body = Content.assemble(body, "\n\n", lead, expected_body(expect))
        return "Checks (run after your code)", body
    if expect is None:
        what = "Runs without an error." if step.runnable else "This step has nothing to run."
        return "Expected", Content.styled(what, _NOTE)
    if _example(expect) is not None:
        return "Expected output, for example", expected_body(expect)
    return HEADINGS.get(expect_kind(expect), "Expected"), expected_body(expect)


def _example(expect: object) -> str | None:
    return getattr(expect, "example", None) if expect_kind(expect) == "regex" else None


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


class ExpectedPanel(ScrollableContainer, can_focus=True):
    """Beside the output panel; scrolls both ways like it."""

    DEFAULT_CSS = """
    ExpectedPanel {
        height: 1fr;
        overflow: auto auto;
        border: round $secondary 50%;
        border-title-color: $text;
        padding: 0 1;
    }
    ExpectedPanel:focus { border: round $secondary; }
    ExpectedPanel > Static { width: auto; min-width: 100%; height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Expected"

    def compose(self):
        yield Static(id="expected-body")

    def show(self, step: Step) -> None:
        title, body = describe(step)
        self.border_title = title
        self.query_one("#expected-body", Static).update(body)
        self.scroll_home(animate=False)
