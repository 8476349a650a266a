"""Provides describe_status(): what went wrong in a cell, in a few words for a reason."""

from __future__ import annotations

from .kind_text import clip
from .messages import say
from .model import Observed


def describe_status(observed: Observed, lang: str = "en") -> str:
    """`raised RuntimeError: boom`, `timed out`, `crashed (SIGSEGV)`, ... (in ``lang``)"""
    detail = clip(first_line(observed.error_message or ""), 100)
    status = observed.status
    if status == "error":
        name = (observed.error_type or say(lang, "an_error")).strip()
        return _with_detail(lang, "status_raised", detail, name=name)
    if status == "timeout":
        return _with_detail(lang, "status_timeout", detail)
    if status == "interrupted":
        return say(lang, "status_interrupted")
    if status == "crashed":
        return _with_detail(lang, "status_crashed", detail)
    if status == "limit":
        return _with_detail(lang, "status_limit", detail)
    return say(lang, "status_other", status=repr(status))


def _with_detail(lang: str, key: str, detail: str, **fields: str) -> str:
    """``key`` with the error's first line when there is one, ``key`` alone otherwise."""
    if detail:
        return say(lang, key + "_detail", detail=detail, **fields)
    return say(lang, key, **fields)


def first_line(text: str) -> str:
    for line in text.strip().splitlines():
        if line.strip():
            return line.strip()
    return ""
