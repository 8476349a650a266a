"""Provides the learner's progress store: completed steps and last position, saved atomically as JSON."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import msgspec
from msgspec import Meta

from tutor import paths
from tutor.files import write_atomically

StepIndex = Annotated[int, Meta(ge=0)]
PROGRESS_FORMAT = 1


class LessonProgress(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    done: list[StepIndex] = []
    position: StepIndex = 0
    # The learner's text of each cell they changed (step -> code), and the code each step last ran
    # (what a replay runs again). Added later with empty defaults: older files load unchanged.
    cells: dict[StepIndex, str] = {}
    ran: dict[StepIndex, str] = {}


class ProgressFile(msgspec.Struct, forbid_unknown_fields=True):
    format_version: Annotated[int, Meta(ge=1, le=PROGRESS_FORMAT)] = PROGRESS_FORMAT
    last: str | None = None
    lessons: dict[str, LessonProgress] = {}


class ProgressStore:
    """Per-user progress; a bad file is moved aside with a warning and never raises."""

    def __init__(self, path: Path, data: ProgressFile | None = None) -> None:
        self.path = path
        self.data = data or ProgressFile()
        self.warnings: list[str] = []

    @classmethod
    def load(cls, path: Path | str | None = None) -> ProgressStore:
        path = Path(path) if path is not None else paths.progress_file()
        store = cls(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return store
        except OSError as exc:
            store._move_aside(f"cannot read it ({exc.strerror or exc})")
            return store
        try:
            store.data = msgspec.json.decode(raw, type=ProgressFile)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            store._move_aside(f"it is not a valid progress file ({exc})")
        return store

    def _move_aside(self, why: str) -> None:
        aside = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(self.path, aside)
        except OSError as exc:
            self.warnings.append(
                f"progress file {self.path}: {why}; could not move it aside ({exc.strerror or exc}); "
                "starting with empty progress"
            )
            return
        self.warnings.append(
            f"progress file {self.path}: {why}; moved it to {aside} and started with empty progress"
        )

    # --- queries ---------------------------------------------------------------------------

    def lesson_ids(self) -> list[str]:
        return sorted(self.data.lessons)

    def done(self, lesson_id: str) -> set[int]:
        entry = self.data.lessons.get(lesson_id)
        return set(entry.done) if entry else set()

    def position(self, lesson_id: str) -> int:
        entry = self.data.lessons.get(lesson_id)
        return entry.position if entry else 0

    def cell(self, lesson_id: str, step: int) -> str | None:
        """The learner's edited text of a cell, or None when they never changed it."""
        entry = self.data.lessons.get(lesson_id)
        return entry.cells.get(step) if entry else None

    def last_run(self, lesson_id: str, step: int) -> str | None:
        """The code step ``step`` last ran, or None when the learner never ran it."""
        entry = self.data.lessons.get(lesson_id)
        return entry.ran.get(step) if entry else None

    def last(self) -> tuple[str, int] | None:
        """The lesson and step the learner was last at, for "continue where you left off"."""
        lesson_id = self.data.last
        if lesson_id is None or lesson_id not in self.data.lessons:
            return None
        return lesson_id, self.position(lesson_id)

    # --- updates (call save() to keep them) -----------------------------------------------------

    def _entry(self, lesson_id: str) -> LessonProgress:
        return self.data.lessons.setdefault(lesson_id, LessonProgress())

    def mark_done(self, lesson_id: str, step: int) -> None:
        entry = self._entry(lesson_id)
        if step not in entry.done:
            entry.done = sorted({*entry.done, step})
        self.data.last = lesson_id

    def set_position(self, lesson_id: str, step: int) -> None:
        self._entry(lesson_id).position = step
        self.data.last = lesson_id

    def set_cell(self, lesson_id: str, step: int, code: str | None) -> bool:
        """Keep the learner's text of a cell (None: back to the original); True when it changed."""
        if code is None:
            entry = self.data.lessons.get(lesson_id)
            return entry is not None and entry.cells.pop(step, None) is not None
        entry = self._entry(lesson_id)
        changed = entry.cells.get(step) != code
        entry.cells[step] = code
        return changed

    def set_last_run(self, lesson_id: str, step: int, code: str) -> None:
        self._entry(lesson_id).ran[step] = code

    def reset(self, lesson_id: str | None = None) -> bool:
        """Forget one lesson, or everything; False when there was nothing to forget."""
        if lesson_id is None:
            had = bool(self.data.lessons)
            self.data = ProgressFile()
            return had
        had = self.data.lessons.pop(lesson_id, None) is not None
        if self.data.last == lesson_id:
            self.data.last = None
        return had

    def save(self) -> bool:
        """Write atomically (temp file, then rename); on failure add a warning and return False."""
        payload = msgspec.json.format(msgspec.json.encode(self.data), indent=2) + b"\n"
        try:
            write_atomically(self.path, payload)
        except OSError as exc:
            self.warnings.append(f"could not save progress to {self.path}: {exc.strerror or exc}")
            return False
        return True
