"""Provides the `text` kind: exact text, ignoring trailing whitespace and trailing blank lines."""

from __future__ import annotations

import re

from .diff import build_diff
from .messages import say
from .model import Verdict

_BREAKS = re.compile(r"\s*\n\s*")


def normalise(text: str) -> list[str]:
    """Lines without trailing whitespace, without trailing blank lines; CRLF read as LF."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def compare_text(expected: str, actual: str, *, note: str = "", lang: str = "en") -> Verdict:
    """Exact comparison; ``note`` (why a richer kind fell back to text, already in ``lang``)
    ends the reason."""
    exp, act = normalise(expected), normalise(actual)
    if exp == act:
        return Verdict(True, _noted(say(lang, "matches"), note, lang))
    reason = _noted(first_difference(exp, act, lang), note, lang)
    return Verdict(False, reason, build_diff(expected, actual, lang=lang))


def _noted(reason: str, note: str, lang: str) -> str:
    return say(lang, "with_note", reason=reason, note=note) if note else reason


def first_difference(exp: list[str], act: list[str], lang: str = "en") -> str:
    """One line naming the first line that differs."""
    for n, (e, a) in enumerate(zip(exp, act, strict=False), start=1):
        if e != a:
            return say(lang, "line_differs", line=n, expected=repr(clip(e)), got=repr(clip(a)))
    if len(exp) > len(act):
        n = len(act) + 1
        return say(lang, "ends_early", line=n, expected=repr(clip(exp[n - 1])))
    n = len(exp) + 1
    return say(lang, "extra_line", line=n, got=repr(clip(act[n - 1])))


def clip(text: str, width: int = 60) -> str:
    """Shorten for a one-line reason; line breaks become spaces, other spacing stays."""
    text = _BREAKS.sub(" ", text.strip("\n")).rstrip()
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."
