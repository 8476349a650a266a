"""Provides the mistake catalogue: catalogue.toml read into Entry structs (msgspec-checked)."""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import Literal

import msgspec

from tutor.coach.readers import READERS
from tutor.lessons.loader import toml_loads  # tomllib, or tomlkit on Python 3.10

FORMAT_VERSION = 1


class Texts(msgspec.Struct, forbid_unknown_fields=True):
    en: str
    zh: str


class Entry(msgspec.Struct, forbid_unknown_fields=True):
    """One mistake: how to recognise it, what to say, the fix, the lesson that teaches it."""

    id: str
    types: list[str]  # error type names; "verdict" for a failed check's reason
    patterns: list[str]  # re.search over the message; named groups become placeholders
    text: Texts
    reader: str = "message"  # a function in tutor.coach.readers
    texts: dict[str, Texts] = {}  # named variants of text, picked by the reader's "_text"
    fix: str = ""  # code, with placeholders; "" for none
    fixes: dict[str, str] = {}  # named variants of fix, picked by the reader's "_fix"
    lesson: str | None = None  # the built-in lesson that teaches it
    source: Literal["error", "verdict"] = "error"

    def compiled(self) -> list[re.Pattern[str]]:
        return _compile(tuple(self.patterns))


class Catalogue(msgspec.Struct, forbid_unknown_fields=True):
    format_version: int
    entry: list[Entry]


@functools.lru_cache(maxsize=64)
def _compile(patterns: tuple[str, ...]) -> list[re.Pattern[str]]:
    return [re.compile(p) for p in patterns]


class CatalogueError(ValueError):
    """The catalogue file breaks its format (a test and docs/coach.md say how it should look)."""


def parse(text: str) -> list[Entry]:
    """Entries from a catalogue's TOML text; CatalogueError names the first problem."""
    try:
        data = msgspec.convert(toml_loads(text), Catalogue)
    except (ValueError, msgspec.ValidationError) as exc:  # TOML errors are ValueErrors
        raise CatalogueError(str(exc)) from None
    if data.format_version != FORMAT_VERSION:
        raise CatalogueError(f"format_version {data.format_version}, expected {FORMAT_VERSION}")
    seen: set[str] = set()
    for entry in data.entry:
        if entry.id in seen:
            raise CatalogueError(f"entry {entry.id!r} appears twice")
        seen.add(entry.id)
        if entry.reader not in READERS:
            raise CatalogueError(
                f"entry {entry.id!r}: no reader {entry.reader!r} in tutor.coach.readers"
            )
        for pattern in entry.patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise CatalogueError(f"entry {entry.id!r}: pattern {pattern!r}: {exc}") from None
    return data.entry


@functools.cache
def entries() -> tuple[Entry, ...]:
    """The built-in catalogue (tutor/coach/catalogue.toml), read once."""
    text = resources.files("tutor.coach").joinpath("catalogue.toml").read_text(encoding="utf-8")
    return tuple(parse(text))
