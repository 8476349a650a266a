"""Provides build_diff(): expected and actual output aligned line by line, differing spans marked."""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Callable, Iterable

from .align import opcodes
from .messages import say
from .model import DiffLine, Span

CONTEXT = 3  # matching lines kept around each change in long diffs
LONG = 40  # diffs with more rows than this get their long matching runs folded
MAX_ROWS = 400  # a display has no use for more; the rest is counted
_CHAR_DIFF_LIMIT = 2000  # longer lines are marked whole rather than diffed char by char

_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(
    r"[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|nan|inf)(?:[-+](?:\d+\.?\d*(?:e[-+]?\d+)?|nan|inf)j)?"
)


def text_key(line: str) -> str:
    """Lines line up when equal after trailing whitespace (the text kind)."""
    return line.rstrip()


def tensor_key(line: str) -> str:
    """Lines line up when equal up to whitespace and numbers (the tensor and shape kinds):
    `[1., 2.]` and `[1.0000, 2.5000]` are the same line with different numbers."""
    return _NUMBER.sub("#", _SPACE.sub("", line))


def build_diff(
    expected: str,
    actual: str,
    marks_expected: Iterable[Span] = (),
    marks_actual: Iterable[Span] = (),
    *,
    key: Callable[[str], str] = text_key,
    lang: str = "en",
) -> tuple[DiffLine, ...]:
    """Rows for display. ``marks_*`` are [start, end) offsets into the whole texts (the
    numbers a comparison found different). Lines that match and carry no marks are " ";
    the rest are "-" (expected) and "+" (actual). Rows the display leaves out are counted
    in a note row worded in ``lang``."""
    exp_lines = _lines(expected)
    act_lines = _lines(actual)
    exp_marks = _per_line(exp_lines, marks_expected)
    act_marks = _per_line(act_lines, marks_actual)
    rows: list[DiffLine] = []
    keys_e, keys_a = [key(t) for t, _ in exp_lines], [key(t) for t, _ in act_lines]
    for op, i1, i2, j1, j2 in opcodes(keys_e, keys_a):
        if op == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2), strict=False):
                if exp_marks[i] or act_marks[j]:
                    rows.append(DiffLine("-", exp_lines[i][0], exp_marks[i]))
                    rows.append(DiffLine("+", act_lines[j][0], act_marks[j]))
                else:
                    rows.append(DiffLine(" ", act_lines[j][0]))
            continue
        minus = [(exp_lines[i][0], exp_marks[i]) for i in range(i1, i2)]
        plus = [(act_lines[j][0], act_marks[j]) for j in range(j1, j2)]
        if op == "replace":
            _mark_pairs(minus, plus)
        rows += [DiffLine("-", t, m) for t, m in minus]
        rows += [DiffLine("+", t, m) for t, m in plus]
    if len(rows) > LONG:
        rows = _fold(rows, lang)
    if len(rows) > MAX_ROWS:
        hidden = len(rows) - MAX_ROWS
        rows = rows[:MAX_ROWS] + [DiffLine(" ", say(lang, "rows_not_shown", count=hidden))]
    return tuple(rows)


def _lines(text: str) -> list[tuple[str, int]]:
    """(line without trailing whitespace, its offset), trailing blank lines dropped."""
    out: list[tuple[str, int]] = []
    offset = 0
    for raw in text.split("\n"):
        out.append((raw.rstrip(), offset))
        offset += len(raw) + 1
    while out and not out[-1][0]:
        out.pop()
    return out


def _per_line(lines: list[tuple[str, int]], marks: Iterable[Span]) -> list[tuple[Span, ...]]:
    """Whole-text spans cut into per-line spans, clipped to each line's text."""
    per: list[list[Span]] = [[] for _ in lines]
    if not lines:
        return []
    starts = [off for _, off in lines]
    for start, end in marks:
        for i in range(_line_index(starts, start), len(lines)):
            text, off = lines[i]
            if off >= end:
                break
            # Indentation is never marked: a highlighted block should hug the text.
            indent = len(text) - len(text.lstrip())
            s, e = max(start - off, indent), min(end - off, len(text))
            if s < e:
                per[i].append((s, e))
    return [tuple(_merge(spans)) for spans in per]


def _line_index(starts: list[int], offset: int) -> int:
    return max(bisect.bisect_right(starts, offset) - 1, 0)


def _merge(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(e, out[-1][1]))
        else:
            out.append((s, e))
    return out


def _mark_pairs(
    minus: list[tuple[str, tuple[Span, ...]]], plus: list[tuple[str, tuple[Span, ...]]]
) -> None:
    """For replaced lines nobody marked, mark what changed character by character."""
    for k in range(min(len(minus), len(plus))):
        (a, am), (b, bm) = minus[k], plus[k]
        if am or bm:
            continue
        minus[k], plus[k] = (a, tuple(char_marks(a, b, 0))), (b, tuple(char_marks(a, b, 1)))


def char_marks(a: str, b: str, side: int) -> list[Span]:
    """Spans of ``a`` (side 0) or ``b`` (side 1) that differ from the other string."""
    if max(len(a), len(b)) > _CHAR_DIFF_LIMIT:
        text = (a, b)[side]
        return [(0, len(text))] if text else []
    spans: list[Span] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        s, e = (i1, i2) if side == 0 else (j1, j2)
        if op != "equal" and s < e:
            spans.append((s, e))
    return _merge(spans)


def _fold(rows: list[DiffLine], lang: str = "en") -> list[DiffLine]:
    """Keep CONTEXT matching rows around each change; fold longer runs into one row."""
    changed = [i for i, r in enumerate(rows) if r.sign != " "]
    keep: set[int] = set()
    for i in changed:
        keep.update(range(i - CONTEXT, i + CONTEXT + 1))
    out: list[DiffLine] = []
    skipped = 0
    for i, row in enumerate(rows):
        if i in keep:
            if skipped:
                out.append(DiffLine(" ", say(lang, "rows_matching", count=skipped)))
                skipped = 0
            out.append(row)
        else:
            skipped += 1
    if skipped:
        out.append(DiffLine(" ", say(lang, "rows_matching", count=skipped)))
    return out
