"""Provides explain_outcome(): the coach's word on a judged step (a failed run, or a failed check)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tutor.coach.explain import Explanation, explain


def explain_outcome(
    outcome: Any,
    *,
    lang: str = "en",
    lesson_id: str | None = None,
    step_names: Mapping[str, tuple[int, str]] | None = None,
) -> Explanation | None:
    """For a ``tutor.judge.StepOutcome`` that failed: the explanation of the learner's error, or,
    when their code ran but the output's dtype, shape or device differs, the one-line fix.
    None for a pass, a skip, a run that did not finish, and anything the catalogue does not know.
    """
    if outcome.passed is not False:
        return None  # nothing to explain; a passing cell costs nothing
    result = outcome.result
    if result is not None and result.status == "error":
        return explain(result.error_type, result.error_message, result.facts, lang=lang,
                       lesson_id=lesson_id, step_names=step_names)
    if result is not None and result.ok and outcome.verdict is not None:
        return explain(None, outcome.reason, None, lang=lang, source="verdict")
    return None
