"""Provides next_step(): where "Continue" goes, the next unfinished step or the next lesson."""

from __future__ import annotations

from dataclasses import dataclass

from tutor.lessons.loader import Catalog, LoadedLesson
from tutor.progress import ProgressStore


@dataclass(frozen=True)
class Place:
    """A lesson and a step in it; ``fresh`` when the learner has not been in that lesson yet."""

    loaded: LoadedLesson
    step: int
    fresh: bool


def _unfinished(progress: ProgressStore, loaded: LoadedLesson, start: int) -> int | None:
    """The first step not done at or after ``start``, then from the beginning; None if all are."""
    total = len(loaded.lesson.steps)
    done = progress.done(loaded.lesson.id)
    for step in [*range(start, total), *range(0, min(start, total))]:
        if step not in done:
            return step
    return None


def next_step(catalog: Catalog, progress: ProgressStore) -> Place | None:
    """Where "Continue" takes the learner; None only when there are no lessons.

    In the last lesson: the step they were at if it is not done, else the next one not done
    (after it, then from the start). A finished lesson hands over to the next lesson in the
    list that is not finished (wrapping round), at its own next unfinished step. With every
    lesson finished, it stays where the learner was.
    """
    lessons = catalog.lessons
    if not lessons:
        return None
    last = progress.last()
    current = catalog.get(last[0]) if last else None
    if current is None:
        order = lessons
    else:
        at_step = max(0, min(last[1], len(current.lesson.steps) - 1))
        step = _unfinished(progress, current, at_step)
        if step is not None:
            return Place(current, step, fresh=False)
        at = next(i for i, item in enumerate(lessons) if item.lesson.id == current.lesson.id)
        order = lessons[at + 1 :] + lessons[:at]
    for loaded in order:
        lesson_id = loaded.lesson.id
        step = _unfinished(progress, loaded, progress.position(lesson_id))
        if step is not None:
            return Place(loaded, step, fresh=lesson_id not in progress.lesson_ids())
    if current is not None:
        return Place(current, at_step, fresh=False)
    return Place(lessons[0], 0, fresh=True)
