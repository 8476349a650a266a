"""Provides compare(): judge what a cell did against a step's expectation."""

from __future__ import annotations

import re

from ..lessons.model import (
    ErrorExpect,
    OkExpect,
    RegexExpect,
    ShapeExpect,
    TensorExpect,
    TextExpect,
)
from .kind_error import compare_error
from .kind_tensor import Options, compare_tensor_output
from .kind_text import compare_text
from .model import Observed, Verdict
from .status import describe_status


def compare(expect: object, observed: Observed) -> Verdict:
    """Judge ``observed`` against ``expect`` (an expectation from tutor.lessons.model, or
    None: the cell must only run without error). Never raises on any output text."""
    if isinstance(expect, ErrorExpect):
        return compare_error(expect.type, expect.match, observed)
    output = observed.output or ""
    if isinstance(expect, RegexExpect):
        output += observed.pictures  # a regex may match the text form of the cell's pictures
    if observed.status != "ok":
        # Still show how far the output got against what was expected.
        diff = _judge_output(expect, output).diff
        return Verdict(False, describe_status(observed), diff)
    return _judge_output(expect, output)


def _judge_output(expect: object, output: str) -> Verdict:
    if expect is None or isinstance(expect, OkExpect):
        return Verdict(True, "ran without error")
    if isinstance(expect, TextExpect):
        return compare_text(expect.output, output)
    if isinstance(expect, TensorExpect):
        options = Options(
            rtol=expect.rtol,
            atol=expect.atol,
            check_device=expect.check_device,
            check_grad_fn=expect.check_grad_fn,
        )
        return compare_tensor_output(expect.output, output, options)
    if isinstance(expect, ShapeExpect):
        return compare_tensor_output(expect.output, output, Options(shapes_only=True))
    if isinstance(expect, RegexExpect):
        return compare_regex(expect.pattern, output)
    raise TypeError(f"not an expectation: {type(expect).__name__}")


def compare_regex(pattern: str, output: str) -> Verdict:
    """The `regex` kind: re.search with DOTALL | MULTILINE over the whole output."""
    try:
        found = re.search(pattern, output, re.DOTALL | re.MULTILINE)
    except re.error as exc:
        return Verdict(False, f"invalid pattern {pattern!r}: {exc}")
    if found is None:
        return Verdict(False, f"output does not match /{pattern}/")
    return Verdict(True, f"output matches /{pattern}/")
