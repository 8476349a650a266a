"""Provides the comparison engine's value types: Observed, DiffLine and Verdict."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

Span = tuple[int, int]


@dataclass(frozen=True)
class Observed:
    """What a cell did, as text."""

    output: str
    status: str = "ok"  # an ExecResult status (tutor.interpreter.results.STATUSES)
    error_type: str | None = None
    error_message: str | None = None
    # The compact text of the cell's pictures (tutor.pictures.describe_all); only `regex` reads it.
    pictures: str = ""


@dataclass(frozen=True)
class DiffLine:
    """One display row: " " the same, "-" expected, "+" actual."""

    sign: str
    text: str
    # [start, end) character spans of ``text`` that differ (mostly the numbers).
    marks: tuple[Span, ...] = ()

    def render(self) -> str:
        return f"{self.sign} {self.text}".rstrip()


@dataclass(frozen=True)
class Verdict:
    """The judgement of one cell: pass/fail, a one-line reason and a diff for display."""

    passed: bool
    reason: str
    diff: tuple[DiffLine, ...] = ()

    def diff_text(self, *, markers: bool = False) -> str:
        """Plain rendering for the CLI and non-TTY output.

        With ``markers`` a row with marked spans is followed by a marker line: ``^`` under each
        differing character (wide characters get two), so the marks cannot be mistaken for the
        code's own brackets and the row itself stays exactly what was printed.
        """
        lines = []
        for line in self.diff:
            lines.append(line.render())
            if markers and line.marks:
                lines.append(marker_line(line))
        return "\n".join(lines)


def _width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def marker_line(line: DiffLine) -> str:
    """``^`` under the marked spans of ``line`` as ``render`` lays it out (after ``sign`` and a
    space), counting wide (CJK) characters as two columns."""
    out = ["  "]
    for i, char in enumerate(line.text):
        inside = any(start <= i < end for start, end in line.marks)
        out.append(("^" if inside else " ") * _width(char))
    past = max((end for _start, end in line.marks), default=0) - len(line.text)
    out.append("^" * max(past, 0))  # a mark past the end: what is missing there
    return "".join(out).rstrip()
