"""Tests the sequence alignment behind every diff, including its fast path for long repetitive output."""

from __future__ import annotations

import random

from tutor.compare import Observed, compare
from tutor.compare.align import MAX_EDITS, myers, opcodes
from tutor.lessons.model import TensorExpect, TextExpect


def check_valid(a, b, ops):
    """The opcodes tile both sequences in order, and "equal" blocks really are equal."""
    i = j = 0
    for op, i1, i2, j1, j2 in ops:
        assert (i1, j1) == (i, j)
        assert op in ("equal", "replace", "delete", "insert")
        if op == "equal":
            assert a[i1:i2] == b[j1:j2]
        if op == "delete":
            assert j1 == j2 and i1 < i2
        if op == "insert":
            assert i1 == i2 and j1 < j2
        i, j = i2, j2
    assert (i, j) == (len(a), len(b))


def edits(ops):
    return sum(
        max(i2 - i1, j2 - j1) if op == "replace" else (i2 - i1) + (j2 - j1)
        for op, i1, i2, j1, j2 in ops
        if op != "equal"
    )


def test_myers_is_valid_and_minimal_on_random_sequences():
    rng = random.Random(7)
    for _ in range(300):
        a = [rng.choice("ab") for _ in range(rng.randint(0, 30))]
        b = [rng.choice("ab") for _ in range(rng.randint(0, 30))]
        ops = myers(a, b, 200)
        check_valid(a, b, ops)
        # A longest common subsequence, so no fewer equal items than difflib finds.
        equal = sum(i2 - i1 for op, i1, i2, _, _ in ops if op == "equal")
        assert equal >= sum(i2 - i1 for op, i1, i2, _, _ in opcodes(a, b) if op == "equal")


def test_myers_gives_up_beyond_its_edit_budget():
    assert myers(list("a" * 10), list("b" * 10), 5) is None
    assert myers([], [], 0) == []


def test_long_repetitive_outputs_align_around_the_change():
    a = ["loss 0.5"] * 3000
    b = ["x"] + ["loss 0.5"] * 2999 + ["y"]
    ops = opcodes(a, b)
    check_valid(a, b, ops)
    assert edits(ops) <= 3


def test_too_many_changes_become_one_replaced_block():
    a = [f"a{i}" for i in range(2000)]
    b = [f"b{i}" for i in range(2000)]
    assert opcodes(a, b) == [("replace", 0, 2000, 0, 2000)]
    assert MAX_EDITS < 2000
    v = compare(
        TextExpect(output="".join(f"{x}\n" for x in a)), Observed("".join(f"{x}\n" for x in b))
    )
    assert v.reason == "line 1 differs: expected 'a0', got 'b0'"
    assert len(v.diff) == 401 and v.diff[-1].text == "... (3600 more lines not shown)"


def test_long_repetitive_output_compares_and_folds():
    log = "loss 0.5\n" * 3000
    v = compare(TextExpect(output=log), Observed("x\n" + log[:-9] + "y\n"))
    assert v.reason == "line 1 differs: expected 'loss 0.5', got 'x'"
    assert [d.sign for d in v.diff][:1] == ["+"]
    assert len(v.diff) < 20
    v = compare(TensorExpect(output=log), Observed("x\n" + log[:-9] + "y\n"))
    assert v.reason == "unexpected output at line 1: 'x' (and 1 more difference)"
