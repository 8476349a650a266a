"""Provides explain(): the catalogue entry that fits an error (or a failed check), in the learner's terms."""

from __future__ import annotations

import logging
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tutor.coach.catalogue import Entry, entries
from tutor.coach.context import Context
from tutor.coach.readers import READERS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Explanation:
    id: str  # the catalogue entry
    text: str  # what went wrong, with the learner's names and numbers
    fix: str | None  # the likely fix, as code
    lesson: str | None  # the built-in lesson that teaches it


def explain(
    error_type: str | None,
    message: str | None,
    facts: Mapping[str, Any] | None,
    *,
    lang: str = "en",
    lesson_id: str | None = None,
    step_names: Mapping[str, tuple[int, str]] | None = None,
    source: str = "error",
) -> Explanation | None:
    """The first entry whose type, pattern and reader all fit; None when none does.

    ``facts`` is ``ExecResult.facts`` (tutor.interpreter.facts); ``step_names`` maps a name to the
    (1-based step number, title) of the earlier step of the current lesson that defines it.
    ``source="verdict"`` matches a failed check's reason (``error_type`` is then ignored).
    """
    if not message:
        return None
    for entry in entries():
        if entry.source != source or (source == "error" and error_type not in entry.types):
            continue
        found = _try(entry, message, facts or {}, lang, lesson_id, step_names or {})
        if found is not None:
            return found
    return None


def _try(
    entry: Entry,
    message: str,
    facts: Mapping[str, Any],
    lang: str,
    lesson_id: str | None,
    step_names: Mapping[str, tuple[int, str]],
) -> Explanation | None:
    for pattern in entry.compiled():
        match = pattern.search(message)
        if match is None:
            continue
        groups = {k: v for k, v in match.groupdict().items() if v is not None}
        ctx = Context(groups, dict(facts), lang, lesson_id, step_names)
        try:
            fields = READERS[entry.reader](ctx)
        except Exception:  # noqa: BLE001 - a reader's bug (odd facts) must not break judging a cell
            log.exception("coach reader %r failed on %r", entry.reader, message[:200])
            continue
        if fields is None:
            continue
        values = {**groups, **fields}
        variant = entry.texts.get(str(fields.get("_text", "")), entry.text)
        text = _fill(getattr(variant, "zh" if lang == "zh" else "en"), values)
        if text is None:
            continue  # a placeholder nobody filled: the entry does not fit after all
        fix_name = fields.get("_fix", "default")
        template = entry.fixes.get(fix_name, entry.fix if fix_name == "default" else "")
        fix = _fill(template, values) if template else None
        return Explanation(entry.id, text, fix or None, entry.lesson)
    return None


def _fill(template: str, values: Mapping[str, Any]) -> str | None:
    """``template`` with its {placeholders} filled, or None if one has no value."""
    needed = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    if any(values.get(name) is None for name in needed):
        return None
    return template.format_map({k: v for k, v in values.items() if not k.startswith("_")})
