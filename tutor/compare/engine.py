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
from .messages import say
from .model import Observed, Verdict
from .status import describe_status


def compare(expect: object, observed: Observed, *, lang: str = "en") -> Verdict:
    """Judge ``observed`` against ``expect`` (an expectation from tutor.lessons.model, or
    None: the cell must only run without error). Never raises on any output text.

    The reason and the diff's note rows are worded in ``lang`` ("en", "zh"; English for others);
    what the cell printed and the lesson expected is quoted as it is."""
    if isinstance(expect, ErrorExpect):
        return compare_error(expect.type, expect.match, observed, lang=lang)
    output = observed.output or ""
    if isinstance(expect, RegexExpect):
        output += observed.pictures  # a regex may match the text form of the cell's pictures
    if observed.status != "ok":
        # Still show how far the output got against what was expected.
        diff = _judge_output(expect, output, lang).diff
        return Verdict(False, describe_status(observed, lang), diff)
    return _judge_output(expect, output, lang)


def _judge_output(expect: object, output: str, lang: str) -> Verdict:
    if expect is None or isinstance(expect, OkExpect):
        return Verdict(True, say(lang, "ran"))
    if isinstance(expect, TextExpect):
        return compare_text(expect.output, output, lang=lang)
    if isinstance(expect, TensorExpect):
        options = Options(
            rtol=expect.rtol,
            atol=expect.atol,
            check_device=expect.check_device,
            check_grad_fn=expect.check_grad_fn,
        )
        return compare_tensor_output(expect.output, output, options, lang=lang)
    if isinstance(expect, ShapeExpect):
        return compare_tensor_output(expect.output, output, Options(shapes_only=True), lang=lang)
    if isinstance(expect, RegexExpect):
        return compare_regex(expect.pattern, output, lang=lang)
    raise TypeError(f"not an expectation: {type(expect).__name__}")


def compare_regex(pattern: str, output: str, *, lang: str = "en") -> Verdict:
    """The `regex` kind: re.search with DOTALL | MULTILINE over the whole output."""
    try:
        found = re.search(pattern, output, re.DOTALL | re.MULTILINE)
    except re.error as exc:
        return Verdict(False, say(lang, "regex_invalid", pattern=repr(pattern), error=exc))
    if found is None:
        return Verdict(False, say(lang, "regex_no_match", pattern=pattern))
    return Verdict(True, say(lang, "regex_matches", pattern=pattern))
