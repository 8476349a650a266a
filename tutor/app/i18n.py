"""Provides the UI chrome in the learner's language: ui(lang, english) over a table of English strings and their Chinese."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.binding import ActiveBinding, Binding

from tutor.app.i18n_zh import ZH

# English is the key itself (as in gettext), so the English UI never depends on the table.
TABLES: dict[str, dict[str, str]] = {"zh": ZH}

STRICT = False
"""Tests set this: a string with no entry in a table then raises instead of showing English."""


class MissingTranslation(KeyError):
    """A UI string looked up in a language whose table lacks it (raised only with STRICT)."""


def ui(
    lang: str, english: str, /, *, context: str = "", required: bool = True, **fields: Any
) -> str:
    """``english`` in ``lang`` (English where there is no table), with ``fields`` filled in by str.format.

    ``context`` tells apart one English word that needs two translations (as gettext's pgettext):
    the table's key is then ``"context|english"``. ``required=False`` is for text the tutor does not
    own (Textual's system commands): a missing entry is shown in English even with STRICT.
    """
    text = english
    table = TABLES.get(lang)
    if table is not None:
        found = table.get(f"{context}|{english}" if context else english)
        if found is not None:
            text = found
        elif STRICT and required:
            raise MissingTranslation(f"no {lang} entry for {english!r}")
    return text.format(**fields) if fields else text


def translated(lang: str) -> bool:
    """Whether ``lang`` changes the chrome at all (False for English and languages without a table)."""
    return lang in TABLES


def lang_of(node: Any) -> str:
    """The app's language for a widget or screen; English in an app without one (a bare test host)."""
    return getattr(node.app, "lang", None) or "en"


def _local(binding: Binding, lang: str, required: bool) -> Binding:
    return replace(
        binding,
        description=ui(lang, binding.description, required=required) if binding.description else "",
        tooltip=ui(lang, binding.tooltip, required=required) if binding.tooltip else "",
    )


class LocalizedBindings:
    """Screen mixin: key descriptions and tooltips in the app's language.

    Bindings are class-level and Textual has no API to change a description at runtime (dynamic
    actions only show, hide or disable them), so ``Screen.active_bindings``, which the footer and
    the key panel read, hands out translated copies. Dispatch does not read it: the keys and
    actions stay those of BINDINGS, and keymaps and ``check_action`` work as before.
    """

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        active = super().active_bindings  # type: ignore[misc]
        lang = lang_of(self)
        if not translated(lang):
            return active
        palette = self.app.COMMAND_PALETTE_BINDING  # type: ignore[attr-defined]
        local = {}
        for key, item in active.items():
            # What the footer draws (shown bindings, and the palette's on its right) must have an
            # entry; the key panel also lists hidden ones, Textual's widgets' among them.
            binding = _local(item.binding, lang, required=item.binding.show or key == palette)
            local[key] = item._replace(binding=binding, tooltip=binding.tooltip)
        return local
