"""Provides the helpers a lesson's `check` code sees (worker side): say, and the rules helpers.

A check runs over a copy of the learner's namespace with these names added (``HELPERS``), so they
never appear among the learner's names and a learner's own ``say`` is left alone. Code that is
not a check (a lesson's ``setup``, say) imports them: ``from tutor.interpreter.check_helpers
import say``. ``say`` answers in the language of the run the worker is doing now (``set_lang``).
"""

from __future__ import annotations

from typing import Any

_lang = "en"


def set_lang(lang: str) -> None:
    """The language of the run about to start (the worker calls this for every exec request)."""
    global _lang
    _lang = lang or "en"


def say(en: str, zh: str | None = None, **others: str) -> str:
    """The message in the learner's language (``--lang``), falling back to English.

    ``assert ok, say(en=f"got {x}", zh=f"得到了 {x}")``.
    """
    text = {"en": en, "zh": zh, **others}.get(_lang)
    return text if text else en


HELPERS: dict[str, Any] = {"say": say}


def check_namespace(ns: dict[str, Any]) -> dict[str, Any]:
    """The globals a check runs in: the learner's names, then the helpers over them."""
    return {**ns, **HELPERS}
