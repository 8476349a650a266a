"""Provides describe_status(): what went wrong in a cell, in a few words for a reason."""

from __future__ import annotations

from .kind_text import clip
from .model import Observed


def describe_status(observed: Observed) -> str:
    """`raised RuntimeError: boom`, `timed out`, `crashed (SIGSEGV)`, ..."""
    detail = clip(first_line(observed.error_message or ""), 100)
    status = observed.status
    if status == "error":
        name = (observed.error_type or "an error").strip()
        return f"raised {name}: {detail}" if detail else f"raised {name}"
    if status == "timeout":
        return f"timed out ({detail})" if detail else "timed out"
    if status == "interrupted":
        return "was interrupted"
    if status == "crashed":
        return f"crashed ({detail})" if detail else "crashed"
    if status == "limit":
        return f"hit a resource limit: {detail}" if detail else "hit a resource limit"
    return f"ended with status {status!r}"


def first_line(text: str) -> str:
    for line in text.strip().splitlines():
        if line.strip():
            return line.strip()
    return ""
