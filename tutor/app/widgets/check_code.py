"""Provides CheckCode: Python source that wraps at the panel's width, continuations marked (an exercise's checks)."""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Size
from textual.highlight import highlight
from textual.widget import Widget

CONTINUATION = "↪ "
# Continuations start this far right of their line's own indentation, so they never read as a
# new statement; capped so a deeply indented line still has room.
HANG = 4
MIN_ROOM = 12


def wrap_code(lines: list[Content], width: int) -> list[Content]:
    """``lines`` (one Content per source line) wrapped to ``width`` cells with hanging continuations."""
    out: list[Content] = []
    for line in lines:
        if line.cell_length <= width:
            out.append(line)
            continue
        indent = len(line.plain) - len(line.plain.lstrip(" "))
        hang = min(indent + HANG, max(width - MIN_ROOM, 0))
        room = max(width - hang, 1)
        first, *rest = line.wrap(room)
        out.append(first)
        lead = Content.assemble(
            " " * max(hang - len(CONTINUATION), 0), (CONTINUATION, "$text-muted")
        )
        out.extend(
            Content.assemble(lead, _lstrip(piece)) if hang else _lstrip(piece) for piece in rest
        )
    return out


def _lstrip(content: Content) -> Content:
    return content[len(content.plain) - len(content.plain.lstrip(" ")) :]


class CheckCode(Widget):
    """Highlighted code that is read whole: long lines wrap instead of running past the edge."""

    DEFAULT_CSS = """
    CheckCode {
        width: 100%;
        height: auto;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: list[Content] = []

    @property
    def code(self) -> str:
        return "\n".join(line.plain for line in self._lines)

    def show(self, code: str) -> None:
        self._lines = highlight(code, language="python").split("\n") if code else []
        self.refresh(layout=True)

    def _wrapped(self, width: int) -> list[Content]:
        return wrap_code(self._lines, width) if width > 0 else self._lines

    def render(self) -> Content:
        return Content("\n").join(self._wrapped(self.content_size.width))

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._wrapped(width))
