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
    passed: bool | None = None
    # The last StepOutcome (tutor.judge) for this step, so coming back shows it again.
    outcome: Any = None


@dataclass
class LessonState:
    """One lesson as the learner walks through it; the app keeps one per lesson it opened."""

    loaded: LoadedLesson
    index: int = 0
    steps: list[StepState] = field(default_factory=list)

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

    def reset_cell(self) -> str:
        self.state.code = _clean(self.step.cell)
        return self.state.code

    def next_hint(self) -> bool:
        """Reveal one more hint; False when all are shown already."""
        if self.state.hints_shown >= len(self.step.hints):
            return False
        self.state.hints_shown += 1
        return True

    def replay_code(self, index: int) -> str | None:
        """The code that rebuilds step ``index``'s effect on the namespace, or None for text steps.

        A step the learner passed replays their own cell; other exercises replay the reference
        solution, so later steps find the names they expect.
        """
        step = self.lesson.steps[index]
        if not step.runnable:
            return None
        state = self.steps[index]
        if state.passed:
            return state.code
        if step.is_exercise:
            return step.solution
        return step.code


def _clean(code: str) -> str:
    # TOML multi-line strings start with a newline; the cell should not.
    return code.strip("\n")
