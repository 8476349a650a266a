"""Provides the `error` kind: the cell must raise a given exception with a matching message."""

from __future__ import annotations

import re

from .errors import error_matches, short_name
from .kind_text import clip
from .messages import say
from .model import DiffLine, Observed, Verdict
from .status import describe_status


def compare_error(
    expected_type: str, pattern: str, observed: Observed, *, lang: str = "en"
) -> Verdict:
    """Judge ``observed`` against an expected exception ``expected_type`` whose message
    matches ``pattern`` (re.search, DOTALL; empty matches anything)."""
    want = expected_type.strip() or "Exception"
    wanted_row = DiffLine("-", want + (f": /{pattern}/" if pattern else ""))
    if observed.status == "ok":
        no_error = say(lang, "no_error_row")
        return Verdict(
            False,
            say(lang, "expected_raise_ran", want=want),
            (wanted_row, DiffLine("+", no_error, ((0, len(no_error)),))),
        )
    if observed.status != "error":
        state = describe_status(observed, lang)
        return Verdict(False, say(lang, "expected_but", want=want, state=state), (wanted_row,))
    raised = short_name(observed.error_type or "") or say(lang, "unknown_error")
    message = observed.error_message or ""
    got_row = f"{raised}: {message}" if message else raised
    ok, note = error_matches(want, raised)
    if not ok:
        if message:
            reason = say(
                lang, "wrong_error_message", want=want, raised=raised, message=clip(message)
            )
        else:
            reason = say(lang, "wrong_error", want=want, raised=raised)
        return Verdict(False, reason, (wanted_row, DiffLine("+", got_row, ((0, len(raised)),))))
    if pattern:
        try:
            found = re.search(pattern, message, re.DOTALL | re.MULTILINE)
        except re.error as exc:
            return Verdict(
                False, say(lang, "message_pattern_invalid", pattern=repr(pattern), error=exc)
            )
        if found is None:
            start = len(raised) + 2
            return Verdict(
                False,
                say(
                    lang,
                    "message_no_match",
                    raised=raised,
                    pattern=pattern,
                    message=repr(clip(message)),
                ),
                (wanted_row, DiffLine("+", got_row, ((start, len(got_row)),))),
            )
    reason = say(lang, "raised_as_expected", raised=raised)
    if note:
        reason = say(lang, "known_rename", reason=reason, want=short_name(want))
    return Verdict(True, reason)
