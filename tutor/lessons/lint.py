"""Provides lint: fast static checks of loaded lessons (schema errors, translations, hints, syntax)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from tutor.lessons.errors import LessonError
from tutor.lessons.loader import Catalog, LoadedLesson
from tutor.lessons.model import (
    ErrorExpect,
    Lesson,
    RegexExpect,
    TensorExpect,
    Translations,
    has_lang,
    tr,
)
from tutor.lessons.places import Places

ERROR = "error"
WARNING = "warning"
# What `torch-tutor new` writes where a translation belongs (tutor/cli/new.py).
PLACEHOLDER = "（请翻译）"
_NO_ZH = "no zh text; expected en and zh (required in built-in lessons and with --require-zh)"


@dataclass(frozen=True)
class Problem:
    path: Path
    severity: str  # ERROR or WARNING
    message: str  # "<place>: <what>", like LessonError.message
    lesson_id: str | None = None

    def __str__(self) -> str:
        return f"{self.path}: {self.severity}: {self.message}"


def _syntax(source: str, place: str, at: tuple[Places, int, str] | None = None) -> str | None:
    """A syntax error in ``source``, at its line and column in the code and, with ``at`` (the
    file's places, the step, the key), in the file."""
    try:
        compile(source, place, "exec")
    except SyntaxError as exc:
        where = f"line {exc.lineno}, column {exc.offset}" if exc.lineno else "?"
        in_file = ""
        if at is not None and exc.lineno:
            places, index, key = at
            line, column = places.code_position(index, key, exc.lineno, exc.offset)
            in_file = f" (file line {line}" + (f", column {column})" if column else ")")
        return f"{place}: Python syntax error at {where}{in_file}: {exc.msg}"
    return None


def _regex(pattern: str, place: str) -> str | None:
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"{place}: invalid regular expression: {exc}"
    return None


def _raises_syntax_error(expect: object) -> bool:
    return isinstance(expect, ErrorExpect) and expect.type in ("SyntaxError", "IndentationError")


def lesson_problems(
    lesson: Lesson, *, require_zh: bool, places: Places | None = None
) -> list[tuple[str, str]]:
    """(severity, message) pairs for one valid lesson; with ``places`` (the file's), each place is
    named as the app names it (``line 14, step 2 "Title", hints``) and code lines map to the file."""
    out: list[tuple[str, str]] = []
    for place, text in lesson.texts():
        if require_zh and not has_lang(text, "zh"):
            out.append((ERROR, f"{place}: {_NO_ZH}"))
        if isinstance(text, Translations) and text.zh and PLACEHOLDER in text.zh:
            out.append(
                (
                    WARNING,
                    f"{place}: the zh text still has the skeleton's placeholder "
                    f"{PLACEHOLDER}; expected a translation",
                )
            )
    for i, step in enumerate(lesson.steps):
        at = f"steps[{i}]"
        if step.is_exercise and not step.hints:
            out.append(
                (WARNING, f"{at}.hints: an exercise without hints; expected at least one hint")
            )
        # A demo may show a SyntaxError on purpose (`x[,1]`); everything else must compile.
        sources = [("solution", step.solution), ("check", step.check)]
        sources += [(f"wrong[{j}]", code) for j, code in enumerate(step.wrong)]
        if not _raises_syntax_error(step.expect):
            sources.append(("code", step.code))
        for name, source in sources:
            key = name.split("[")[0]
            where = (places, i, key) if places is not None else None
            if source is not None and (msg := _syntax(source, f"{at}.{name}", where)):
                out.append((ERROR, msg))
        expect = step.expect
        if isinstance(expect, RegexExpect) and (
            msg := _regex(expect.pattern, f"{at}.expect.pattern")
        ):
            out.append((ERROR, msg))
        if isinstance(expect, RegexExpect) and expect.example is None:
            out.append(
                (
                    WARNING,
                    f"{at}.expect: a regex expectation without `example`; expected an "
                    "output the pattern accepts (the learner sees it instead of the "
                    "bare pattern)",
                )
            )
        if isinstance(expect, ErrorExpect) and (msg := _regex(expect.match, f"{at}.expect.match")):
            out.append((ERROR, msg))
        if isinstance(expect, TensorExpect) and (expect.rtol < 0 or expect.atol < 0):
            out.append((ERROR, f"{at}.expect: rtol and atol must be >= 0"))
    if lesson.setup is not None and (msg := _syntax(lesson.setup, "setup")):
        out.append((ERROR, msg))
    if places is None:
        return out
    return [(severity, _placed(message, places)) for severity, message in out]


_PLACE = re.compile(r"^(?P<place>[a-z_]+(?:\[\d+\]|\.[a-z_]+)*): ")
_PART = re.compile(r"\.?([a-z_]+)|\[(\d+)\]")


def _placed(message: str, places: Places) -> str:
    """``steps[3].hints: ...`` as ``line 40, step 4 "Title", hints: ...``."""
    found = _PLACE.match(message)
    if found is None:
        return message
    parts: list[str | int] = [
        m.group(1) if m.group(1) else int(m.group(2)) for m in _PART.finditer(found.group("place"))
    ]
    # Texts in several languages are named by the field; the language is in the message.
    where, _line = places.where(parts)
    return f"{where}: {message[found.end() :]}"


def _places(item: LoadedLesson) -> Places | None:
    try:
        text = item.path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    steps = [
        {"title": tr(step.title)} if step.title is not None else {} for step in item.lesson.steps
    ]
    return Places(text, {"steps": steps})


def lint_catalog(
    catalog: Catalog, *, require_zh: Callable[[Path], bool] | bool = False
) -> list[Problem]:
    """Every problem in ``catalog``: its load errors, then each lesson's own problems, by file."""
    wants_zh = require_zh if callable(require_zh) else (lambda _path: bool(require_zh))
    problems = [_from_error(e) for e in catalog.errors]
    for item in catalog.lessons:
        problems += [
            Problem(item.path, severity, message, item.lesson.id)
            for severity, message in lesson_problems(
                item.lesson, require_zh=wants_zh(item.path), places=_places(item)
            )
        ]
    return sorted(problems, key=lambda p: (str(p.path), p.severity != ERROR))


def _from_error(error: LessonError) -> Problem:
    return Problem(error.path, ERROR, error.message, error.lesson_id)


def files_of(catalog: Catalog) -> list[tuple[Path, LoadedLesson | None]]:
    """Every file the catalog met, with its lesson when it loaded, sorted by path."""
    seen: dict[Path, LoadedLesson | None] = {e.path: None for e in catalog.errors}
    seen.update({item.path: item for item in catalog.lessons})
    return sorted(seen.items(), key=lambda kv: str(kv[0]))


def count(problems: Iterable[Problem], severity: str) -> int:
    return sum(1 for p in problems if p.severity == severity)
