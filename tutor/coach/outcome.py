"""Provides explain_outcome(): the coach's word on a judged step (a failed run, or a failed check)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from tutor.coach.explain import Explanation, explain


def explain_outcome(
    outcome: Any,
    *,
    lang: str = "en",
    lesson_id: str | None = None,
    step_names: Mapping[str, tuple[int, str]] | None = None,
    exercise: bool = False,
) -> Explanation | None:
    """For a ``tutor.judge.StepOutcome``: the explanation of the learner's error (also one the step
    expected), or, when their code ran but a check found the dtype, shape or device differs, the
    one-line fix. None for a pass, a skip, a run that did not finish, and anything the catalogue
    does not know. On an exercise the fix stays out: it would often be the answer itself (the
    starter of "make the mean of integer counts work" raises exactly the error whose fix is
    ``counts.float().mean()``); the explanation and the hints are the learner's to work from.
    """
    explanation = _explain_outcome(outcome, lang=lang, lesson_id=lesson_id, step_names=step_names)
    if exercise and explanation is not None and explanation.fix:
        return replace(explanation, fix=None)
    return explanation


def _explain_outcome(
    outcome: Any,
    *,
    lang: str,
    lesson_id: str | None,
    step_names: Mapping[str, tuple[int, str]] | None,
) -> Explanation | None:
    result = outcome.result
    if result is not None and result.status == "error":
        # Also when the step expected the error: a lesson shows the coach on a mistake made on purpose.
        return explain(
            result.error_type,
            result.error_message,
            result.facts,
            lang=lang,
            lesson_id=lesson_id,
            step_names=step_names,
        )
    if outcome.passed is not False:
        return None  # nothing to explain; a cell that ran and passed costs nothing
    if result is not None and result.ok and outcome.verdict is not None:
        return explain(None, outcome.reason, None, lang=lang, source="verdict")
    return None
