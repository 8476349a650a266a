"""Provides ExpectedPanel: what the step expects (output, pattern, error) or the exercise's checks."""

from __future__ import annotations

from rich.text import Text
from textual.containers import ScrollableContainer
from textual.content import Content
from textual.highlight import highlight
from textual.widgets import Static

from tutor.lessons.model import Step


def expect_kind(expect: object) -> str:
    """The ``kind`` tag of an expectation struct (msgspec keeps tags on the class, not the instance)."""
    config = getattr(type(expect), "__struct_config__", None)
    return str(getattr(config, "tag", "") or "")


def describe(step: Step) -> tuple[str, Content | Text]:
    """A heading and the body for the expected panel."""
    expect = step.expect
    if step.is_exercise:
        body = highlight((step.check or "").strip("\n"), language="python")
        if expect is not None:
            body = body + Content("\n\nand the output: ") + Content(_expect_text(expect))
        return "Checks (run after your code)", body
    if expect is None:
        if not step.runnable:
            return "Expected", Text("This step has nothing to run.", style="italic")
        return "Expected", Text("Runs without an error.", style="italic")
    kind = expect_kind(expect)
    headings = {
        "shape": "Expected (only shapes and dtypes count)",
        "tensor": "Expected (numbers compared with tolerance)",
        "regex": "Expected output matching",
        "error": "Expected error",
    }
    return headings.get(kind, "Expected"), Text(_expect_text(expect), no_wrap=True, overflow="ignore")


def _expect_text(expect) -> str:
    kind = expect_kind(expect)
    if kind in ("text", "tensor", "shape"):
        return expect.output.strip("\n")
    if kind == "regex":
        return f"/{expect.pattern}/"
    if kind == "error":
        match = f" with a message matching {expect.match!r}" if expect.match else ""
        return f"raises {expect.type}{match}"
    return "runs without an error"


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

    def show(self, step: Step, note: str = "") -> None:
        title, body = describe(step)
        self.border_title = title
        if note:
            body = Text.assemble((note + "\n\n", "italic yellow"), body) if isinstance(body, Text) else \
                Content(note + "\n\n") + body
        self.query_one("#expected-body", Static).update(body)
        self.scroll_home(animate=False)
