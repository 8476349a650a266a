"""Provides LessonError and the translation of TOML, UTF-8 and msgspec errors into one-line messages."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import msgspec
import msgspec.inspect as mi

from tutor.lessons.model import Expectation, Lesson, Step
from tutor.lessons.places import Places, dotted


@dataclass(frozen=True)
class LessonError:
    """One problem with one lesson file.

    ``message`` names the place (``line 3, column 5`` or ``steps[3].expect.kind``) and what was
    expected; ``str(error)`` prefixes the file. ``loaded`` is true when the lesson still loaded
    (e.g. a dangling prerequisite): the error is then a warning about a usable lesson.
    """

    path: Path
    message: str
    lesson_id: str | None = None
    place: str = ""
    line: int | None = None
    column: int | None = None
    loaded: bool = False
    other: Path | None = None  # the other file of a clash (a duplicate id)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def expectation_kinds() -> list[str]:
    """Every expectation kind, in the order the model declares them."""
    return [t.__struct_config__.tag for t in get_args(Expectation)]


def _at(place: str, what: str) -> str:
    return f"{place}: {what}" if place else what


def located(
    path: Path,
    place: str,
    what: str,
    *,
    lesson_id: str | None = None,
    loaded: bool = False,
    line: int | None = None,
    column: int | None = None,
    other: Path | None = None,
) -> LessonError:
    return LessonError(path, _at(place, what), lesson_id, place, line, column, loaded, other)


# --- non-UTF-8 and TOML syntax -------------------------------------------------------------


def utf8_error(path: Path, data: bytes, exc: UnicodeDecodeError) -> LessonError:
    line = data.count(b"\n", 0, exc.start) + 1
    column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
    byte = data[exc.start : exc.start + 1].hex()
    place = f"line {line}, column {column}"
    what = f"the file is not UTF-8 (byte 0x{byte}); expected UTF-8 text, save the file as UTF-8"
    return located(path, place, what, line=line, column=column)


_TOML_POS = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END = re.compile(r"\s*\(at end of document\)\s*$")


def toml_error(path: Path, text: str, exc: Exception) -> LessonError:
    """tomllib states the position in its message (3.11-3.13) or as attributes (3.14+)."""
    msg = getattr(exc, "msg", None) or str(exc)
    line = getattr(exc, "lineno", None) or getattr(exc, "line", None)
    column = getattr(exc, "colno", None) or getattr(exc, "col", None)
    if found := _TOML_POS.search(msg):
        line, column = int(found.group(1)), int(found.group(2))
        msg = msg[: found.start()]
    elif _TOML_END.search(msg):
        msg = _TOML_END.sub("", msg)
        line = text.count("\n") + 1
        column = len(text) - text.rfind("\n")
    place = f"line {line}, column {column}" if line else ""
    hint = _toml_hint(msg, text, line)
    what = f"TOML syntax error: {msg}" + (f". {hint}" if hint else "")
    return located(path, place, what, line=line, column=column)


def _toml_hint(msg: str, text: str, line: int | None) -> str:
    """What to do about the syntax errors authors meet most (tomllib's words say only what)."""
    lines = text.splitlines()
    here = lines[line - 1] if line and 0 < line <= len(lines) else ""
    if "key part" in msg and here.count("{") > here.count("}"):
        return (
            "An inline table { ... } must stay on one line in TOML: put "
            '`{ en = "...", zh = "..." }` on one line, or use a multi-line string'
        )
    if "Unescaped '\\'" in msg:
        return (
            'A backslash in a "..." string starts an escape: write \\\\ for one backslash, '
            "or use a literal string '...' (''' ... ''' for code and patterns)"
        )
    if "Unclosed array" in msg or "Expected ']'" in msg or "Expected ']]'" in msg:
        return "A `[` has no matching `]`: close the array (or the [[steps]] header)"
    return ""


# --- schema (msgspec) ------------------------------------------------------------------------

_MSG_AT = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_PART = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")

_TYPE_WORDS = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "array": "an array",
    "object": "a table",
    "null": "nothing",
}


def _type_words(spec: str) -> str:
    parts = [p.strip() for p in spec.split("|")]
    if sorted(parts) == ["object", "str"]:
        return "a string or a table of translations {en = ..., zh = ...}"
    return " or ".join(_TYPE_WORDS.get(p, f"`{p}`") for p in parts)


def _parts(path: str) -> list[str | int]:
    return [m.group(1) if m.group(1) is not None else int(m.group(2)) for m in _PART.finditer(path)]


_dotted = dotted


def _pick(t: Any, node: Any) -> Any:
    """Step through wrappers and unions to the type that applies to ``node``."""
    while isinstance(t, mi.Metadata):
        t = t.type
    if isinstance(t, mi.UnionType):
        structs = [u for u in t.types if isinstance(u, mi.StructType)]
        kind = node.get("kind") if isinstance(node, dict) else None
        tagged = [u for u in structs if u.tag is not None and u.tag == kind]
        if tagged:
            return tagged[0]
        others = [u for u in t.types if not isinstance(u, mi.NoneType)]
        if len(structs) == 1:
            return structs[0]
        return others[0] if len(others) == 1 else t
    return t


def _struct_at(parts: list[str | int], data: Any) -> mi.StructType | None:
    t: Any = mi.type_info(Lesson)
    node = data
    for part in parts:
        t = _pick(t, node)
        if isinstance(part, int):
            if not isinstance(t, mi.ListType):
                return None
            t = t.item_type
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            if not isinstance(t, mi.StructType):
                return None
            field = next((f for f in t.fields if f.encode_name == part), None)
            if field is None:
                return None
            t = field.type
            node = node.get(part) if isinstance(node, dict) else None
    t = _pick(t, node)
    return t if isinstance(t, mi.StructType) else None


def _field_names(st: mi.StructType | None) -> list[str]:
    if st is None:
        return []
    names = [f.encode_name for f in st.fields]
    return [st.tag_field, *names] if st.tag_field else names


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean `{close[0]}`?)" if close else ""


def schema_error(path: Path, data: Any, exc: msgspec.ValidationError) -> LessonError:
    """One message for msgspec's first error: ``steps[3].expect.kind: <what>; expected <...>``."""
    found = _MSG_AT.match(str(exc))
    raw, at = (found.group("what"), found.group("path") or "") if found else (str(exc), "")
    parts = _parts(at)
    place = _dotted(parts)
    lesson_id = (
        data.get("id") if isinstance(data, dict) and isinstance(data.get("id"), str) else None
    )

    if m := re.fullmatch(r"Object missing required field `(.+)`", raw):
        name = m.group(1)
        if name == "kind":
            what = f"missing field `kind`; expected one of: {', '.join(expectation_kinds())}"
        elif name == "format_version":
            what = (
                "missing field `format_version`; every lesson file starts with `format_version = 1`"
            )
        else:
            what = f"missing required field `{name}`"
        return located(path, _dotted([*parts, name]), what, lesson_id=lesson_id)

    if m := re.fullmatch(r"Object contains unknown field `(.+)`", raw):
        name = m.group(1)
        allowed = _field_names(_struct_at(parts, data))
        what = f"unknown field `{name}`{_suggest(name, allowed)}"
        if allowed:
            what += f"; expected one of: {', '.join(allowed)}"
        return located(path, _dotted([*parts, name]), what, lesson_id=lesson_id)

    if (m := re.fullmatch(r"Invalid value (.+)", raw)) and parts and parts[-1] == "kind":
        kinds = expectation_kinds()
        value = m.group(1)
        what = (
            f"unknown expectation kind {value}{_suggest(value.strip(chr(39)), kinds)}; "
            f"expected one of: {', '.join(kinds)}"
        )
        return located(path, place, what, lesson_id=lesson_id)

    if m := re.fullmatch(r"Expected `(.+?)`, got `(.+?)`", raw):
        what = f"wrong type: expected {_type_words(m.group(1))}, got {_type_words(m.group(2))}"
        return located(path, place, what, lesson_id=lesson_id)

    if place == "format_version" and raw.startswith("Expected `int`"):
        what = f"unsupported format_version {data.get('format_version')!r}; expected 1"
        return located(path, place, what, lesson_id=lesson_id)

    if m := re.fullmatch(r"Expected `str` matching regex '(.+)'", raw):
        what = (
            "expected an id of lowercase letters, digits, '-', '_' or '.', starting with a letter "
            f"or digit (regex {m.group(1)})"
        )
        return located(path, place, what, lesson_id=lesson_id)

    # Constraint messages ("Expected `float` > 0.0") and __post_init__ rules are already one line.
    what = raw[0].lower() + raw[1:] if raw.startswith("Expected") else raw
    return located(path, place, what, lesson_id=lesson_id)


# --- every schema error, not only msgspec's first --------------------------------------------


def _rebased(exc: msgspec.ValidationError, at: str) -> msgspec.ValidationError:
    """``exc`` (raised converting a value found at ``at``) as if raised for the whole file."""
    found = _MSG_AT.match(str(exc))
    raw, sub = (found.group("what"), found.group("path") or "") if found else (str(exc), "")
    full = at + sub
    return msgspec.ValidationError(f"{raw} - at `{full}`" if full != "$" else raw)


def _struct_errors(
    cls: type, value: Any, at: str, skip: tuple[str, ...] = ()
) -> list[msgspec.ValidationError]:
    """Every field's error in ``value`` read as ``cls``: unknown fields, missing ones, wrong
    values; the struct's own rule (``__post_init__``) only when every field is right."""
    try:
        msgspec.convert(value, cls)
        return []
    except msgspec.ValidationError as exc:
        first = exc
    if not isinstance(value, dict):
        return [_rebased(first, at)]
    fields = msgspec.structs.fields(cls)
    known = {f.encode_name for f in fields}
    found = [
        msgspec.ValidationError(f"Object contains unknown field `{key}` - at `{at}`")
        for key in value
        if key not in known
    ]
    for f in fields:
        if f.encode_name in skip:
            continue
        if f.encode_name not in value:
            if f.required:
                found.append(
                    msgspec.ValidationError(
                        f"Object missing required field `{f.encode_name}`"
                        + (f" - at `{at}`" if at != "$" else "")
                    )
                )
            continue
        try:
            msgspec.convert(value[f.encode_name], f.type)
        except msgspec.ValidationError as exc:
            found.append(_rebased(exc, f"{at}.{f.encode_name}"))
    if found:
        return found
    inside_skipped = any(f"at `{at}.{name}" in str(first) for name in skip)
    return [] if inside_skipped else [_rebased(first, at)]  # the struct's own rule


def schema_errors(path: Path, text: str, data: Any) -> list[LessonError]:
    """Every schema error of a file, each placed as the app names it, with its line."""
    raised: list[msgspec.ValidationError] = []
    steps = data.get("steps") if isinstance(data, dict) else None
    if isinstance(steps, list) and steps:
        raised += _struct_errors(Lesson, data, "$", skip=("steps",))
        for i, step in enumerate(steps):
            raised += _struct_errors(Step, step, f"$.steps[{i}]")
    else:
        raised += _struct_errors(Lesson, data, "$")
    places = Places(text, data)
    return [placed(schema_error(path, data, exc), places) for exc in raised]


def placed(error: LessonError, places: Places) -> LessonError:
    """``error`` with its place named as the app names it (``step 2 "Title"``) and its line."""
    if not error.place:
        return error
    where, line = places.where(
        _parts("." + error.place if not error.place.startswith("[") else error.place)
    )
    what = (
        error.message[len(error.place) + 2 :]
        if error.message.startswith(error.place + ": ")
        else error.message
    )
    return LessonError(
        error.path,
        f"{where}: {what}",
        error.lesson_id,
        error.place,
        line,
        error.column,
        error.loaded,
        error.other,
    )
