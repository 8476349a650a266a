"""Tests the display diff: line alignment, marks on the differing numbers, folding, plain rendering."""

from __future__ import annotations

import pathlib

from tutor.compare import DiffLine, Observed, Verdict, compare
from tutor.compare.diff import build_diff, tensor_key
from tutor.lessons.model import TensorExpect, TextExpect

REPRS = pathlib.Path(__file__).parent / "data" / "reprs"


def out(name: str) -> str:
    return (REPRS / f"{name}.txt").read_text()


def marked(line: DiffLine) -> list[str]:
    return [line.text[s:e] for s, e in line.marks]


def test_value_diff_marks_exactly_the_differing_number():
    v = compare(TensorExpect(output=out("ones_3x4")), Observed(out("ones_3x4_changed")))
    signs = [d.sign for d in v.diff]
    assert signs == [" ", "-", "+", " "]
    minus, plus = v.diff[1], v.diff[2]
    assert minus.text == "        [1., 1., 1., 1.],"
    assert plus.text == "        [1.0000, 1.0000, 3.5000, 1.0000],"
    assert marked(minus) == ["1."] and minus.marks == ((17, 19),)
    assert marked(plus) == ["3.5000"]
    # The unchanged lines show the actual output, whose formatting changed with it.
    assert v.diff[0].text == "tensor([[1.0000, 1.0000, 1.0000, 1.0000],"


def test_summarised_corner_is_marked():
    v = compare(TensorExpect(output=out("ones100")), Observed(out("ones100_changed")))
    changed = [d for d in v.diff if d.sign != " "]
    assert [(d.sign, marked(d)) for d in changed] == [("-", ["1."]), ("+", ["2."])]
    assert changed[1].text.startswith("        [2., 1., 1.,  ...")


def test_shape_difference_marks_the_whole_tensors():
    v = compare(TensorExpect(output=out("ones_3x4")), Observed(out("ones_4x3")))
    assert {d.sign for d in v.diff} == {"-", "+"}
    assert [d.sign for d in v.diff] == ["-"] * 3 + ["+"] * 4
    # Each line is marked from its first non-blank character to its end.
    assert all(d.marks == ((len(d.text) - len(d.text.lstrip()), len(d.text)),) for d in v.diff)
    assert v.diff[4].marks == ((8, 21),)


def test_missing_suffix_marks_the_closing_parenthesis():
    v = compare(TensorExpect(output=out("grad_fn")), Observed(out("detached")))
    minus, plus = v.diff
    assert marked(minus) == ["grad_fn=<MulBackward0>"]
    assert marked(plus) == [")"]


def test_text_diff_marks_changed_characters():
    v = compare(TextExpect(output="shape: (3, 4)\nok\n"), Observed("shape: (4, 3)\nok\n"))
    assert [(d.sign, d.text) for d in v.diff] == [
        ("-", "shape: (3, 4)"),
        ("+", "shape: (4, 3)"),
        (" ", "ok"),
    ]
    assert marked(v.diff[0]) == ["3", "4"] and marked(v.diff[1]) == ["4", "3"]


def test_inserted_and_deleted_lines():
    v = compare(TextExpect(output="a\nb\nc\n"), Observed("a\nc\nd\n"))
    assert [(d.sign, d.text) for d in v.diff] == [(" ", "a"), ("-", "b"), (" ", "c"), ("+", "d")]


def test_long_diffs_fold_matching_runs():
    expected = "".join(f"line {i}\n" for i in range(100))
    actual = expected.replace("line 50\n", "line fifty\n")
    v = compare(TextExpect(output=expected), Observed(actual))
    texts = [d.text for d in v.diff]
    assert texts[0] == "... (47 matching lines)"
    assert texts[1:4] == ["line 47", "line 48", "line 49"]
    assert texts[4:6] == ["line 50", "line fifty"]
    assert texts[-1] == "... (46 matching lines)"
    assert len(v.diff) == 10


def test_diff_text_plain_and_with_markers():
    v = compare(TensorExpect(output="tensor([1., 2.])"), Observed("tensor([1.0000, 2.5000])"))
    assert v.diff_text() == "- tensor([1., 2.])\n+ tensor([1.0000, 2.5000])"
    # A marker line under each row: the marks cannot be read as the tensor's own brackets.
    assert v.diff_text(markers=True) == (
        "- tensor([1., 2.])\n" + " " * 14 + "^^\n"
        "+ tensor([1.0000, 2.5000])\n                  ^^^^^^"
    )
    nested = compare(
        TensorExpect(output="tensor([1, 2, 3, 4, 5])"), Observed("tensor([1, 2, 3, 4, 6])")
    )
    assert "[[" not in nested.diff_text(markers=True)


def test_marker_line_counts_wide_characters_twice():
    from tutor.compare.model import DiffLine, marker_line

    assert marker_line(DiffLine("-", "均值 2.5", ((5, 8),))) == "         ^^^"
    assert marker_line(DiffLine("+", "abc", ((3, 5),))) == "     ^^"  # a mark past the end
    assert Verdict(True, "output matches").diff_text() == ""


def test_marks_spanning_lines_are_cut_per_line():
    # (1, 5) covers "b", the newline and "cd".
    rows = build_diff("ab\ncd\n", "ab\ncd\n", [(1, 5)], [], key=tensor_key)
    assert [(r.sign, r.text, r.marks) for r in rows] == [
        ("-", "ab", ((1, 2),)),
        ("+", "ab", ()),
        ("-", "cd", ((0, 2),)),
        ("+", "cd", ()),
    ]


def test_empty_outputs():
    assert build_diff("", "") == ()
    assert [(r.sign, r.text) for r in build_diff("", "x\n")] == [("+", "x")]
