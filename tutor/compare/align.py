"""Provides opcodes(): difflib-style alignment of two sequences that stays fast on long, repetitive output."""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Sequence

Opcode = tuple[str, int, int, int, int]

# difflib's SequenceMatcher is quadratic in repeated items (a training log, the rows of a
# big tensor): it only sees middles smaller than this many item pairs.
CAREFUL_LIMIT = 1_000_000
# Beyond that, Myers' O((n+m)·D) diff, for up to this many edits; more than that and the
# two middles are simply one replaced block.
MAX_EDITS = 100


def opcodes(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[Opcode]:
    """Like SequenceMatcher(None, a, b).get_opcodes(), never slow.

    The common head and tail are matched directly, since a cell's output usually
    differs in one place."""
    n, m = len(a), len(b)
    head = 0
    while head < n and head < m and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < n - head and tail < m - head and a[n - 1 - tail] == b[m - 1 - tail]:
        tail += 1
    mid_a, mid_b = a[head : n - tail], b[head : m - tail]
    ops: list[Opcode] = [("equal", 0, head, 0, head)] if head else []
    if mid_a or mid_b:
        middle: Sequence[Opcode]  # difflib's op names are Literals, ours plain str
        if len(mid_a) * len(mid_b) <= CAREFUL_LIMIT:
            middle = difflib.SequenceMatcher(None, mid_a, mid_b, autojunk=False).get_opcodes()
        else:
            middle = myers(mid_a, mid_b, MAX_EDITS) or [("replace", 0, len(mid_a), 0, len(mid_b))]
        ops += [(op, i1 + head, i2 + head, j1 + head, j2 + head) for op, i1, i2, j1, j2 in middle]
    if tail:
        ops.append(("equal", n - tail, n, m - tail, m))
    return ops


def myers(a: Sequence[Hashable], b: Sequence[Hashable], max_edits: int) -> list[Opcode] | None:
    """A shortest edit script as opcodes, or None if it needs more than ``max_edits`` edits."""
    n, m = len(a), len(b)
    size = 2 * max_edits + 3
    v = [0] * size  # v[k]: furthest x on diagonal k (negative k wraps, as in Python lists)
    trace: list[list[int]] = []
    for d in range(max_edits + 1):
        trace.append(v.copy())
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and v[k - 1] < v[k + 1]):
                x = v[k + 1]
            else:
                x = v[k - 1] + 1
            y = x - k
            while x < n and y < m and a[x] == b[y]:
                x += 1
                y += 1
            v[k] = x
            if x >= n and y >= m:
                return _group(_backtrack(trace, n, m))
    return None


def _backtrack(trace: list[list[int]], n: int, m: int) -> list[str]:
    """The moves from (0, 0) to (n, m): "=" diagonal, "-" from a, "+" from b."""
    moves: list[str] = []
    x, y = n, m
    for d in range(len(trace) - 1, -1, -1):
        v = trace[d]
        k = x - y
        prev_k = k + 1 if k == -d or (k != d and v[k - 1] < v[k + 1]) else k - 1
        prev_x = v[prev_k]
        prev_y = prev_x - prev_k
        while x > prev_x and y > prev_y:
            moves.append("=")
            x, y = x - 1, y - 1
        if d > 0:
            moves.append("+" if x == prev_x else "-")
        x, y = prev_x, prev_y
    moves.reverse()
    return moves


def _group(moves: list[str]) -> list[Opcode]:
    ops: list[Opcode] = []
    i = j = 0
    pos = 0
    while pos < len(moves):
        start_i, start_j = i, j
        if moves[pos] == "=":
            while pos < len(moves) and moves[pos] == "=":
                i, j, pos = i + 1, j + 1, pos + 1
            ops.append(("equal", start_i, i, start_j, j))
            continue
        while pos < len(moves) and moves[pos] != "=":
            if moves[pos] == "-":
                i += 1
            else:
                j += 1
            pos += 1
        op = "replace" if i > start_i and j > start_j else ("delete" if i > start_i else "insert")
        ops.append((op, start_i, i, start_j, j))
    return ops
