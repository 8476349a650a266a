"""Provides the comparison engine's value types: Observed, DiffLine and Verdict."""

from __future__ import annotations

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

        With ``markers`` each marked span is wrapped in ``[[`` and ``]]`` so the
        differing numbers stay visible without colour.
        """
        lines = []
        for line in self.diff:
            if markers and line.marks:
                line = DiffLine(line.sign, _bracket(line.text, line.marks))
            lines.append(line.render())
        return "\n".join(lines)


def _bracket(text: str, marks: tuple[Span, ...]) -> str:
    out, pos = [], 0
    for start, end in sorted(marks):
        start = max(start, pos)
        if start >= end:
            continue
        out += [text[pos:start], "[[", text[start:end], "]]"]
        pos = end
    out.append(text[pos:])
    return "".join(out)
