"""Provides the lesson runner behind `check`: steps in order, one namespace per lesson."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tutor.judge import StepOutcome, judge_step, needs_skip, replay_steps
from tutor.lessons.loader import LoadedLesson
from tutor.lessons.model import Step, tr

# What one record proves: a demo matches; an exercise's starter fails its check; its solution passes.
DEMO, STARTER, SOLUTION = "demo", "starter", "solution"


@dataclass
class StepRecord:
    lesson_id: str
    index: int
    role: str  # DEMO, STARTER or SOLUTION
    title: str
    passed: bool | None  # None: skipped
    reason: str
    elapsed: float = 0.0
    diff: str = ""
    outcome: StepOutcome | None = field(default=None, repr=False)

    @property
    def place(self) -> str:
        return f"steps[{self.index}]"


def planned(item: LoadedLesson) -> int:
    """How many records checking ``item`` produces (for the progress bar)."""
    return sum(2 if s.is_exercise else 1 for s in item.lesson.steps if s.runnable)


def _elapsed(outcome: StepOutcome) -> float:
    return sum(r.elapsed for r in (outcome.result, outcome.check) if r is not None)


def _diff(outcome: StepOutcome) -> str:
    if outcome.verdict is None or outcome.verdict.passed:
        return ""
    return outcome.verdict.diff_text(markers=True)


async def check_lesson(
    interp: Any,
    item: LoadedLesson,
    *,
    lang: str = "en",
    on_record: Callable[[StepRecord], None],
) -> None:
    """Run every step of ``item`` as a learner would, in its own fresh namespace; ``on_record``
    gets each record as soon as it is judged (check prints it at once)."""
    lesson = item.lesson
    namespace = lesson.id
    await interp.reset_namespace(namespace)
    history: list[tuple[int, Step, str]] = []
    for index, step in enumerate(lesson.steps):
        if not step.runnable:
            continue
        title = tr(step.title, lang) if step.title is not None else ""
        roles = [STARTER, SOLUTION] if step.is_exercise else [DEMO]
        if needs_skip(step, interp) is not None:
            outcome = await judge_step(interp, step, "", namespace=namespace, lang=lang,
                                       setup=lesson.setup)
            for role in roles:
                on_record(StepRecord(lesson.id, index, role, title, None, outcome.reason, outcome=outcome))
            continue
        for role in roles:
            # The starter runs before the solution, so nothing the solution defines can make it pass.
            code = {DEMO: step.code, STARTER: step.starter, SOLUTION: step.solution}[role] or ""
            generation = interp.generation
            outcome = await judge_step(interp, step, code, namespace=namespace, lang=lang,
                                       setup=lesson.setup)
            if role == STARTER:
                passed = outcome.passed is False
                reason = (
                    f"the starter fails its check, as it should ({outcome.reason})"
                    if passed
                    else "the starter already passes its check; the check must reject it"
                )
            else:
                passed, reason = outcome.passed, outcome.reason
            on_record(StepRecord(
                lesson.id, index, role, title, passed, reason, _elapsed(outcome),
                _diff(outcome) if role != STARTER else "", outcome,
            ))
            if interp.generation != generation:
                # The learner's namespace died with the worker: run the steps up to here again.
                await interp.reset_namespace(namespace)
                await replay_steps(interp, namespace, history, setup=lesson.setup)
        history.append((index, step, (step.solution if step.is_exercise else step.code) or ""))
