"""Provides the lesson runner behind `check`: steps in order, one namespace per lesson."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tutor.cli.common import step_name
from tutor.judge import StepOutcome, judge_step, needs_skip, replay_steps
from tutor.lessons.loader import LoadedLesson
from tutor.lessons.model import Step, tr

# What one record proves: a demo matches; an exercise's starter and each known wrong answer fail
# its check (by an assertion, not by a bug in the check); its solution passes.
DEMO, STARTER, WRONG, SOLUTION = "demo", "starter", "wrong", "solution"


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
    variant: int = 0  # which `wrong` answer (1-based) a WRONG record judges

    @property
    def place(self) -> str:
        """The step as the app names it: ``step 5 "Title"`` (1-based)."""
        return step_name(self.index, self.title)

    @property
    def label(self) -> str:
        """The role, with the wrong answer's number: ``starter``, ``wrong 2``, ``solution``."""
        return f"{self.role} {self.variant}" if self.role == WRONG else self.role

    @property
    def check_output(self) -> str:
        """What the check printed (``check -v`` shows it)."""
        check = self.outcome.check if self.outcome is not None else None
        return check.output if check is not None else ""


def author_error(outcome: StepOutcome) -> str | None:
    """Why ``outcome`` failed through the lesson's own fault (its setup, or a check whose own code
    raised something other than AssertionError), or None when a failure is the answer's (an
    assertion, or an error raised inside a learner's function the check called)."""
    from tutor.judge import describe_failure

    result, check = outcome.result, outcome.check
    if result is not None and result.status == "error" and result.detail == "setup":
        return describe_failure(result)
    answer_raised = check is not None and check.detail == "answer"  # the answer's own failure
    if (
        check is not None
        and not check.ok
        and check.error_type != "AssertionError"
        and not answer_raised
    ):
        return (
            f"{describe_failure(check, who='the_check')}; a check must reject an answer with "
            "a failing assert (AssertionError), anything else is a bug in the check"
        )
    return None


def planned(item: LoadedLesson) -> int:
    """How many records checking ``item`` produces (for the progress bar)."""
    return sum(2 + len(s.wrong) if s.is_exercise else 1 for s in item.lesson.steps if s.runnable)


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
        roles = [(DEMO, step.code or "", 0)]
        if step.is_exercise:
            roles = [
                (STARTER, step.starter or "", 0),
                *((WRONG, code, n) for n, code in enumerate(step.wrong, 1)),
                (SOLUTION, step.solution or "", 0),
            ]
        if needs_skip(step, interp) is not None:
            outcome = await judge_step(
                interp, step, "", namespace=namespace, lang=lang, setup=lesson.setup
            )
            for role, _code, n in roles:
                on_record(
                    StepRecord(
                        lesson.id,
                        index,
                        role,
                        title,
                        None,
                        outcome.reason,
                        outcome=outcome,
                        variant=n,
                    )
                )
            continue
        for role, code, n in roles:
            # The starter and the wrong answers run before the solution, so nothing the solution
            # defines can make them pass.
            generation = interp.generation
            outcome = await judge_step(
                interp, step, code, namespace=namespace, lang=lang, setup=lesson.setup
            )
            what = "the starter" if role == STARTER else f"wrong answer {n}"
            if (bug := author_error(outcome)) is not None:
                passed, reason = False, bug
            elif role in (STARTER, WRONG):
                passed = outcome.passed is False
                reason = (
                    f"{what} fails its check, as it should ({outcome.reason})"
                    if passed
                    else f"{what} already passes its check; the check must reject it"
                )
            else:
                passed, reason = outcome.passed, outcome.reason
            on_record(
                StepRecord(
                    lesson.id,
                    index,
                    role,
                    title,
                    passed,
                    reason,
                    _elapsed(outcome),
                    _diff(outcome) if role in (DEMO, SOLUTION) else "",
                    outcome,
                    n,
                )
            )
            if interp.generation != generation:
                # The learner's namespace died with the worker: run the steps up to here again.
                await interp.reset_namespace(namespace)
                await replay_steps(interp, namespace, history, setup=lesson.setup)
        history.append((index, step, (step.solution if step.is_exercise else step.code) or ""))
