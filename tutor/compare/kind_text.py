"""Provides the `text` kind: exact text, ignoring trailing whitespace and trailing blank lines."""

from __future__ import annotations

import re

from .diff import build_diff
from .model import Verdict

_BREAKS = re.compile(r"\s*\n\s*")


def normalise(text: str) -> list[str]:
    """Lines without trailing whitespace, without trailing blank lines; CRLF read as LF."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def compare_text(expected: str, actual: str, *, note: str = "") -> Verdict:
    """Exact comparison; ``note`` (why a richer kind fell back to text) ends the reason."""
    exp, act = normalise(expected), normalise(actual)
    suffix = f" ({note})" if note else ""
    if exp == act:
        return Verdict(True, "output matches" + suffix)
    return Verdict(False, first_difference(exp, act) + suffix, build_diff(expected, actual))


def first_difference(exp: list[str], act: list[str]) -> str:
    """One line naming the first line that differs."""
    for n, (e, a) in enumerate(zip(exp, act, strict=False), start=1):
        if e != a:
            return f"line {n} differs: expected {clip(e)!r}, got {clip(a)!r}"
    if len(exp) > len(act):
        n = len(act) + 1
        return f"output ends early: line {n} missing, expected {clip(exp[n - 1])!r}"
    n = len(exp) + 1
    return f"unexpected extra output at line {n}: {clip(act[n - 1])!r}"


def clip(text: str, width: int = 60) -> str:
    """Shorten for a one-line reason; line breaks become spaces, other spacing stays."""
    text = _BREAKS.sub(" ", text.strip("\n")).rstrip()
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."
