"""Provides the `error` kind: the cell must raise a given exception with a matching message."""

from __future__ import annotations

import re

from .errors import error_matches, short_name
from .kind_text import clip
from .model import DiffLine, Observed, Verdict
from .status import describe_status


def compare_error(expected_type: str, pattern: str, observed: Observed) -> Verdict:
    """Judge ``observed`` against an expected exception ``expected_type`` whose message
    matches ``pattern`` (re.search, DOTALL; empty matches anything)."""
    want = expected_type.strip() or "Exception"
    wanted_row = DiffLine("-", want + (f": /{pattern}/" if pattern else ""))
    if observed.status == "ok":
        return Verdict(
            False,
            f"expected {want} to be raised, but the cell ran without error",
            (wanted_row, DiffLine("+", "(no error)", ((0, 10),))),
        )
    if observed.status != "error":
        state = describe_status(observed)
        return Verdict(False, f"expected {want}, but the cell {state}", (wanted_row,))
    raised = short_name(observed.error_type or "") or "an unknown error"
    message = observed.error_message or ""
    got_row = f"{raised}: {message}" if message else raised
    ok, note = error_matches(want, raised)
    if not ok:
        return Verdict(
            False,
            f"expected {want}, got {raised}" + (f": {clip(message)}" if message else ""),
            (wanted_row, DiffLine("+", got_row, ((0, len(raised)),))),
        )
    if pattern:
        try:
            found = re.search(pattern, message, re.DOTALL | re.MULTILINE)
        except re.error as exc:
            return Verdict(False, f"invalid message pattern {pattern!r}: {exc}")
        if found is None:
            start = len(raised) + 2
            return Verdict(
                False,
                f"{raised} raised, but its message does not match /{pattern}/: {clip(message)!r}",
                (wanted_row, DiffLine("+", got_row, ((start, len(got_row)),))),
            )
    reason = f"raised {raised} as expected"
    if note:
        reason += f" (a known rename of {short_name(want)} between torch versions)"
    return Verdict(True, reason)
