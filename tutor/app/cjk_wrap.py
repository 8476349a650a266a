"""Provides install(): CJK line breaking for Rich's and Textual's text wrappers (breaks between CJK characters)."""

from __future__ import annotations

import re

# Rich (rich._wrap.re_word, which Textual's Content and Markdown wrap with) and Textual
# (textual._wrap.re_chunk) break lines at whitespace only, so a Chinese paragraph, which has no
# spaces, wrapped as one long word: lines ended early at the few spaces around English words, and a
# long run was folded at the width, punctuation and all. With these patterns every CJK character is
# a word of its own, and the rules of CJK typesetting (kinsoku) hold: closing punctuation stays with
# the character before it, opening brackets with the one after. Text without CJK characters is cut
# into exactly the same words as before (tests/test_cjk_wrap.py checks every English lesson text).
_CJK = (
    "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
)
_CLOSING = "、。，．：；！？）］｝」』】〉》〕〗〙〛〞ー々・…’”%"
_OPENING = "（［｛「『【〈《〔〖〘〚〝‘“"
_WORD = rf"[{_OPENING}]*(?:[{_CJK}]|[^\s{_CJK}]+)[{_CLOSING}]*"

RICH_WORD = re.compile(rf"\s*{_WORD}\s*")  # rich: a word with the spaces around it
TEXTUAL_CHUNK = re.compile(rf"{_WORD}\s*|\s+")  # textual: a word and its trailing spaces, or spaces


def install() -> list[str]:
    """Swap the wrappers' word patterns; returns the modules patched (a module without the hook is left alone)."""
    patched = []
    for module_name, attribute, pattern in (
        ("rich._wrap", "re_word", RICH_WORD),
        ("textual._wrap", "re_chunk", TEXTUAL_CHUNK),
    ):
        try:
            module = __import__(module_name, fromlist=[attribute])
        except ImportError:
            continue
        if isinstance(getattr(module, attribute, None), re.Pattern):
            setattr(module, attribute, pattern)
            patched.append(module_name)
    return patched
