"""Provides lesson loading from every lesson folder, with one clear message per broken file."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from tutor import paths
from tutor.lessons.errors import LessonError, located, schema_errors, toml_error, utf8_error
from tutor.lessons.model import Lesson, lesson_from_data

if sys.version_info >= (3, 11):
    import tomllib

    toml_loads = tomllib.loads
    _TomlError: tuple[type[Exception], ...] = (tomllib.TOMLDecodeError,)
else:  # pragma: no cover - Python 3.10 has no tomllib; tomlkit is a dependency anyway
    import tomlkit
    import tomlkit.exceptions

    def toml_loads(text: str) -> dict[str, Any]:
        return tomlkit.parse(text).unwrap()

    _TomlError = (tomlkit.exceptions.ParseError,)

__all__ = [
    "Catalog",
    "LessonError",
    "LoadedLesson",
    "SOURCES",
    "lesson_files",
    "load_catalog",
    "load_file",
    "load_file_errors",
    "load_paths",
]

# Where a lesson came from, in the order folders are searched (the first id wins on a clash).
SOURCES = ("builtin", "user", "env", "extra")


@dataclass(frozen=True)
class LoadedLesson:
    lesson: Lesson
    path: Path
    source: str  # one of SOURCES


@dataclass
class Catalog:
    """Every lesson found, sorted by ``order`` then id, and every problem met on the way."""

    lessons: list[LoadedLesson] = field(default_factory=list)
    errors: list[LessonError] = field(default_factory=list)

    def get(self, lesson_id: str) -> LoadedLesson | None:
        return next((item for item in self.lessons if item.lesson.id == lesson_id), None)

    def ids(self) -> list[str]:
        return [item.lesson.id for item in self.lessons]


def read_data(path: Path) -> dict[str, Any] | LessonError:
    """The parsed TOML of ``path``, or the error that stops it being read."""
    read = read_text_and_data(path)
    return read if isinstance(read, LessonError) else read[1]


def read_text_and_data(path: Path) -> tuple[str, dict[str, Any]] | LessonError:
    """The text of ``path`` and its parsed TOML, or the error that stops it being read."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return located(path, "", f"cannot read the file: {exc.strerror or exc}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return utf8_error(path, raw, exc)
    text = text.removeprefix("\ufeff")  # a BOM is harmless; editors on Windows add one
    try:
        return text, toml_loads(text)
    except _TomlError as exc:
        return toml_error(path, text, exc)


def load_file(path: Path | str, source: str = "extra") -> LoadedLesson | LessonError:
    """Read and validate one lesson file; never raises for a bad file. The first error only:
    ``load_file_errors`` has them all."""
    result = load_file_errors(path, source)
    return result[0] if isinstance(result, list) else result


def load_file_errors(path: Path | str, source: str = "extra") -> LoadedLesson | list[LessonError]:
    """Read and validate one lesson file: the lesson, or every error found in it (in one run)."""
    path = Path(path)
    read = read_text_and_data(path)
    if isinstance(read, LessonError):
        return [read]
    text, data = read
    try:
        lesson = lesson_from_data(data)
    except msgspec.ValidationError:
        return schema_errors(path, text, data)
    return LoadedLesson(lesson, path, source)


def lesson_files(folder: Path) -> list[Path]:
    """The ``*.toml`` files directly inside ``folder``, by name (sub-folders are not searched)."""
    return sorted(p for p in folder.glob("*.toml") if p.is_file())


def _expand(location: Path, *, must_exist: bool) -> tuple[list[Path], list[LessonError]]:
    if location.is_file():
        return [location], []
    if location.is_dir():
        return lesson_files(location), []
    if must_exist:
        return [], [
            located(location, "", "no such file or folder; expected a lesson folder or .toml file")
        ]
    return [], []


def load_paths(
    groups: Iterable[tuple[str, Iterable[Path]]], *, known_ids: Iterable[str] = ()
) -> Catalog:
    """Load ``(source, locations)`` groups in order into one catalog.

    A location is a folder or a file. Folders of the user and built-in sources may be missing;
    the others must exist. ``known_ids`` are lessons outside these groups that prerequisites may
    name (lint and check of single files resolve ``requires`` against the installed lessons).
    """
    catalog = Catalog()
    seen_paths: set[Path] = set()
    by_id: dict[str, LoadedLesson] = {}
    for source, locations in groups:
        for location in locations:
            files, errors = _expand(
                Path(location).expanduser(), must_exist=source in ("env", "extra")
            )
            catalog.errors += errors
            for path in files:
                key = path.resolve()
                if key in seen_paths:  # the same file named twice is not a clash
                    continue
                seen_paths.add(key)
                result = load_file_errors(path, source)
                if isinstance(result, list):
                    catalog.errors += result
                    continue
                lesson_id = result.lesson.id
                if first := by_id.get(lesson_id):
                    catalog.errors.append(
                        located(
                            path,
                            "id",
                            f"duplicate lesson id '{lesson_id}': {first.path} already defines it; "
                            "expected ids unique across all lesson folders (this file is skipped)",
                            lesson_id=lesson_id,
                            other=first.path,
                        )
                    )
                    continue
                by_id[lesson_id] = result
                catalog.lessons.append(result)
    _check_requires(catalog, set(by_id) | set(known_ids))
    catalog.lessons.sort(key=lambda item: (item.lesson.order, item.lesson.id))
    return catalog


def _check_requires(catalog: Catalog, ids: set[str]) -> None:
    # A lesson with a dangling prerequisite still loads: learners can take it, authors get told.
    for item in catalog.lessons:
        for i, needed in enumerate(item.lesson.requires):
            if needed in ids:
                continue
            close = difflib.get_close_matches(needed, sorted(ids), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            catalog.errors.append(
                located(
                    item.path,
                    f"requires[{i}]",
                    f"unknown prerequisite '{needed}'{hint}; expected the id of a loaded lesson",
                    lesson_id=item.lesson.id,
                    loaded=True,
                )
            )


def default_groups(
    extra_dirs: Iterable[Path | str] = (),
    *,
    builtin: bool = True,
    user: bool = True,
    env: bool = True,
) -> list[tuple[str, list[Path]]]:
    groups: list[tuple[str, list[Path]]] = []
    if builtin:
        groups.append(("builtin", [paths.builtin_lessons_dir()]))
    if user:
        groups.append(("user", [paths.user_lessons_dir()]))
    if env:
        groups.append(("env", paths.env_lesson_dirs()))
    groups.append(("extra", [Path(d) for d in extra_dirs]))
    return groups


def load_catalog(
    extra_dirs: Iterable[Path | str] = (),
    *,
    builtin: bool = True,
    user: bool = True,
    env: bool = True,
    known_ids: Iterable[str] = (),
) -> Catalog:
    """Lessons from the built-in folder, the user folder, ``TORCH_TUTOR_LESSONS`` and ``extra_dirs``.

    On a duplicate id the earlier folder wins (built-in, user, env, extra) and the later file
    is reported with both paths.
    """
    groups = default_groups(extra_dirs, builtin=builtin, user=user, env=env)
    return load_paths(groups, known_ids=known_ids)


def is_builtin(path: Path) -> bool:
    """Whether ``path`` lies in the built-in lessons folder (lint requires zh text there)."""
    return path.resolve().is_relative_to(paths.builtin_lessons_dir().resolve())
