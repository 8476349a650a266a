"""Tests the `error` kind: type, message pattern, known renames between torch versions, base classes."""

from __future__ import annotations

import json
import pathlib

import pytest

from tutor.compare import RENAMES, Observed, compare, error_matches
from tutor.compare.errors import ancestors
from tutor.lessons.model import ErrorExpect

REPRS = pathlib.Path(__file__).parent / "data" / "reprs"


def raised(name: str) -> Observed:
    """The Observed of a cell that raised a real torch 2.14 error (tests/data/reprs/errors.json)."""
    err = json.loads((REPRS / "errors.json").read_text())[name]
    return Observed("", "error", err["type"], err["message"])


def test_same_type_and_matching_message():
    v = compare(
        ErrorExpect(type="RuntimeError", match=r"size of tensor a \(3\)"),
        raised("add_size_mismatch"),
    )
    assert (v.passed, v.reason, v.diff) == (True, "raised RuntimeError as expected", ())


def test_item_of_three_valueerror_in_torch_113_is_runtimeerror_now():
    obs = raised("item_of_three")
    assert obs.error_type == "RuntimeError"  # what torch 2.14 really raised
    v = compare(ErrorExpect(type="ValueError", match="elements|one element"), obs)
    assert v.passed
    assert (
        v.reason
        == "raised RuntimeError as expected (a known rename of ValueError between torch versions)"
    )
    # The other way round too: a lesson recorded today passes on torch 1.13.
    old = Observed(
        "", "error", "ValueError", "only one element tensors can be converted to Python scalars"
    )
    assert compare(ErrorExpect(type="RuntimeError", match="element"), old).passed


def test_linalg_error_names_and_base_classes():
    obs = raised("singular")
    assert obs.error_type == "_LinAlgError"
    for expected in (
        "LinAlgError",
        "torch.linalg.LinAlgError",
        "_LinAlgError",
        "RuntimeError",
        "Exception",
    ):
        assert compare(ErrorExpect(type=expected), obs).passed, expected


def test_base_class_relation():
    assert compare(ErrorExpect(type="Exception"), raised("index_out_of_range")).passed
    assert compare(ErrorExpect(type="LookupError"), raised("index_out_of_range")).passed
    assert compare(
        ErrorExpect(type="BaseException"), Observed("", "error", "MyOwnError", "x")
    ).passed
    assert compare(
        ErrorExpect(type="RuntimeError"), Observed("", "error", "NotImplementedError", "")
    ).passed
    assert compare(
        ErrorExpect(type="RuntimeError"), Observed("", "error", "torch.OutOfMemoryError", "")
    ).passed
    assert ancestors("torch.OutOfMemoryError")[:2] == ("OutOfMemoryError", "RuntimeError")


def test_wrong_type_fails():
    v = compare(ErrorExpect(type="TypeError"), raised("index_out_of_range"))
    assert not v.passed
    assert (
        v.reason
        == "expected TypeError, got IndexError: index 5 is out of bounds for dimension 0 with size 3"
    )
    assert [(d.sign, d.text, d.marks) for d in v.diff] == [
        ("-", "TypeError", ()),
        ("+", "IndexError: index 5 is out of bounds for dimension 0 with size 3", ((0, 10),)),
    ]
    # A subclass expectation does not accept its base.
    v = compare(ErrorExpect(type="IndexError"), Observed("", "error", "LookupError", ""))
    assert v.reason == "expected IndexError, got LookupError"
    # Renames are narrow: ValueError never stands for IndexError.
    assert not compare(ErrorExpect(type="ValueError"), raised("index_out_of_range")).passed


def test_message_must_match():
    v = compare(ErrorExpect(type="RuntimeError", match="Got Int"), raised("norm_of_int"))
    assert not v.passed
    assert v.reason == (
        "RuntimeError raised, but its message does not match /Got Int/: "
        "'linalg.vector_norm: Expected a floating point or complex...'"
    )
    minus, plus = v.diff
    assert plus.text[plus.marks[0][0] :].startswith("linalg.vector_norm")
    assert compare(
        ErrorExpect(type="RuntimeError", match="(?i)GOT LONG$"), raised("norm_of_int")
    ).passed


def test_invalid_message_pattern():
    v = compare(ErrorExpect(type="RuntimeError", match="[unclosed"), raised("matmul_shapes"))
    assert not v.passed and v.reason.startswith("invalid message pattern '[unclosed': ")


def test_expected_error_but_none_raised():
    v = compare(ErrorExpect(type="RuntimeError"), Observed("tensor(5.)\n"))
    assert (v.passed, v.reason) == (
        False,
        "expected RuntimeError to be raised, but the cell ran without error",
    )
    assert [d.sign for d in v.diff] == ["-", "+"]


@pytest.mark.parametrize(
    "observed, reason",
    [
        (Observed("", "timeout"), "expected RuntimeError, but the cell timed out"),
        (
            Observed("", "crashed", None, "SIGSEGV"),
            "expected RuntimeError, but the cell crashed (SIGSEGV)",
        ),
        (Observed("", "interrupted"), "expected RuntimeError, but the cell was interrupted"),
    ],
)
def test_expected_error_but_the_cell_did_not_finish(observed, reason):
    assert compare(ErrorExpect(type="RuntimeError"), observed).reason == reason


def test_every_rename_is_documented_and_symmetric():
    assert RENAMES, "the table exists"
    for names, note in RENAMES:
        assert len(names) >= 2 and note
        for a in names:
            for b in names:
                assert error_matches(a, b)[0], (a, b)
