"""Provides the per-lesson state the lesson screen shows: current step, edited cells, hints, attempts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tutor.lessons.loader import LoadedLesson
from tutor.lessons.model import Step


@dataclass
class StepState:
    """What the learner has done with one step in this session."""

    code: str
    attempts: int = 0
    hints_shown: int = 0
    solution_shown: bool = False
    check_shown: bool = False  # the exercise's check code is revealed (after an attempt)
    passed: bool | None = None
    # The last StepOutcome (tutor.judge) for this step, so coming back shows it again.
    outcome: Any = None
    # The code the step last ran (this session or, restored, an earlier one): what a replay runs.
    ran: str | None = None


@dataclass
class LessonState:
    """One lesson as the learner walks through it; the app keeps one per lesson it opened."""

    loaded: LoadedLesson
    index: int = 0
    steps: list[StepState] = field(default_factory=list)
    restored: bool = False  # restore() ran: the progress store's cells are in ``steps``

    def __post_init__(self) -> None:
        if not self.steps:
            self.steps = [StepState(code=_clean(s.cell)) for s in self.lesson.steps]
        self.index = max(0, min(self.index, len(self.steps) - 1))

    @property
    def lesson(self):
        return self.loaded.lesson

    @property
    def total(self) -> int:
        return len(self.lesson.steps)

    @property
    def step(self) -> Step:
        return self.lesson.steps[self.index]

    @property
    def state(self) -> StepState:
        return self.steps[self.index]

    def go(self, index: int) -> bool:
        """Move to ``index`` (clamped); False when that is where we already are."""
        index = max(0, min(index, self.total - 1))
        moved = index != self.index
        self.index = index
        return moved

    def original(self, index: int | None = None) -> str:
        """The cell's code as the lesson gives it (the starter, for an exercise)."""
        step = self.step if index is None else self.lesson.steps[index]
        return _clean(step.cell)

    def edited(self, index: int | None = None) -> bool:
        """Whether the cell holds the learner's own text rather than the lesson's."""
        index = self.index if index is None else index
        return self.steps[index].code != self.original(index)

    def restore(self, progress: Any) -> None:
        """Take the edited cells and last runs a progress store kept (``tutor.progress``), once.

        Steps already touched in this session keep what they have: it is newer than the file.
        """
        if self.restored:
            return
        self.restored = True
        lesson_id = self.lesson.id
        for index, state in enumerate(self.steps):
            if not self.lesson.steps[index].runnable:
                continue
            code = progress.cell(lesson_id, index)
            if code is not None and state.code == self.original(index):
                state.code = code
            if state.ran is None:
                state.ran = progress.last_run(lesson_id, index)

    def next_hint(self) -> bool:
        """Reveal one more hint; False when all are shown already."""
        if self.state.hints_shown >= len(self.step.hints):
            return False
        self.state.hints_shown += 1
        return True

    def replay_code(self, index: int) -> str | None:
        """The code that rebuilds step ``index``'s effect on the namespace, or None for text steps.

        What the learner last ran there (this session or an earlier one, so a replay after a
        restart rebuilds what they had); a step they never ran replays the lesson's code (the
        reference solution for an exercise), so later steps find the names they expect.
        """
        step = self.lesson.steps[index]
        if not step.runnable:
            return None
        ran = self.steps[index].ran
        if ran is not None:
            return ran
        if step.is_exercise:
            return step.solution
        return step.code

    def replays_own_code(self, index: int) -> bool:
        """Whether a replay of step ``index`` runs the learner's last run (else the lesson's)."""
        return self.steps[index].ran is not None


def _clean(code: str) -> str:
    # TOML multi-line strings start with a newline; the cell should not.
    return code.strip("\n")
