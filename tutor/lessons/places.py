"""Provides where a problem sits in a lesson file: ``line 14, step 2 "Title", expect.kind``.

Steps are named as the lesson screen names them (1-based, with their English title); lines are
found in the file's text: each ``[[steps]]`` header starts a step, a key's line is where
``key =`` (or ``[steps.key]``) first appears inside its step. A code string's own line and column
map to the file's: inside a ``'''`` block, line k of the code is k lines below the key.
"""

from __future__ import annotations

import re
from typing import Any

_STEP_HEADER = re.compile(r"^\s*\[\[\s*steps\s*\]\]\s*(#.*)?$")


def step_name(index: int, title: str = "") -> str:
    """``step 5 "Title"``: 1-based, as the lesson screen counts steps (``index`` is 0-based)."""
    return f'step {index + 1} "{title}"' if title else f"step {index + 1}"


def dotted(parts: list[str | int]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def _english(title: Any) -> str:
    if isinstance(title, str):
        return title
    if isinstance(title, dict) and isinstance(english := title.get("en"), str):
        return english
    return ""


class Places:
    """Lines and names of the places in one lesson file's text and data."""

    def __init__(self, text: str, data: Any = None) -> None:
        self.lines = text.splitlines()
        self.starts = [n for n, line in enumerate(self.lines, 1) if _STEP_HEADER.match(line)]
        steps = data.get("steps") if isinstance(data, dict) else None
        self.titles = (
            [_english(s.get("title")) if isinstance(s, dict) else "" for s in steps]
            if isinstance(steps, list)
            else []
        )

    def _span(self, index: int | None) -> tuple[int, int]:
        """The 1-based lines [first, last] of step ``index`` (None: the part before any step)."""
        if index is None:
            return 1, (self.starts[0] - 1 if self.starts else len(self.lines))
        if index >= len(self.starts):
            return 0, -1
        end = self.starts[index + 1] - 1 if index + 1 < len(self.starts) else len(self.lines)
        return self.starts[index], end

    def key_line(self, index: int | None, keys: list[str]) -> int | None:
        """The line of the deepest of ``keys`` found (each searched after the previous one)."""
        first, last = self._span(index)
        found = first if index is not None and first else None
        start = first
        for key in keys:
            pattern = re.compile(
                rf"^\s*(?:{re.escape(key)}\s*=|\[\s*steps\s*\.\s*{re.escape(key)}\s*\])"
                rf"|[{{,]\s*{re.escape(key)}\s*="
            )
            hit = next(
                (n for n in range(max(start, 1), last + 1) if pattern.search(self.lines[n - 1])),
                None,
            )
            if hit is None:
                break
            found = start = hit
        return found

    def where(self, parts: list[str | int]) -> tuple[str, int | None]:
        """A place's name and line: ``('line 14, step 2 "Title", expect.kind', 14)``."""
        if len(parts) >= 2 and parts[0] == "steps" and isinstance(parts[1], int):
            index = parts[1]
            title = self.titles[index] if index < len(self.titles) else ""
            rest = dotted(parts[2:])
            name = step_name(index, title) + (f", {rest}" if rest else "")
            line = self.key_line(index, [p for p in parts[2:] if isinstance(p, str)])
        else:
            name = dotted(parts)
            keys = [p for p in parts if isinstance(p, str)][:1]
            line = self.key_line(None, keys) if keys else None
        return (f"line {line}, {name}" if line else name), line

    def code_position(
        self, index: int, key: str, line: int, column: int | None
    ) -> tuple[int, int | None]:
        """The file's line (and column) of ``line``/``column`` of the code string ``key`` of step
        ``index``; the column only where the code's lines are the file's own (a ''' block)."""
        at = self.key_line(index, [key])
        if at is None:
            return line, None
        head = self.lines[at - 1]
        rest = head.split("=", 1)[1].lstrip() if "=" in head else ""
        for quote in ("'''", '"""'):
            if rest.startswith(quote):
                after = rest[len(quote) :]
                if not after.strip():  # the code starts on the next line
                    return at + line, column
                if line == 1 and column is not None:
                    return at, column + len(head) - len(after)
                return at + line - 1, column
        return at, None  # a one-line "..." string: its escapes hide the columns
