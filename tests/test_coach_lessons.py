"""The lessons that teach the coach's mistakes let the learner meet one on purpose, and say so (real worker)."""

from __future__ import annotations

import pytest

from tutor.coach import step_names
from tutor.judge import judge_step
from tutor.lessons.loader import load_catalog
from tutor.lessons.model import ErrorExpect, tr

# Lesson id -> the catalogue entry its on-purpose mistake is explained by.
LESSONS = {
    "item": "item-many",
    "broadcasting": "broadcast",
    "linalg": "matmul-shapes",
    "autograd": "leaf-inplace",
    "softmax-ce": "ce-float-target",
    "cnn": "conv-batch",
}


def _coached_steps(lesson):
    """Steps that expect an error and tell the learner the tutor explains it (en and zh)."""
    return [
        (i, s)
        for i, s in enumerate(lesson.steps)
        if isinstance(s.expect, ErrorExpect)
        and "tutor explains it under the verdict" in tr(s.text, "en")
        and "本教程会在判定结果下方" in tr(s.text, "zh")
    ]


@pytest.mark.parametrize("lesson_id", sorted(LESSONS))
@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_lessons_mistake_on_purpose_gets_the_coachs_note(interp, lesson_id, lang):
    lesson = load_catalog(builtin=True, user=False, env=False).get(lesson_id).lesson
    steps = _coached_steps(lesson)
    assert steps, f"{lesson_id}: no step meets a mistake on purpose and says the tutor explains it"
    _index, step = steps[0]
    outcome = await judge_step(
        interp,
        step,
        step.code,
        namespace=f"{lesson_id}-{lang}",
        lang=lang,
        setup=lesson.setup,
        lesson_id=lesson_id,
    )
    assert outcome.passed, outcome.reason  # the error the step expects
    assert outcome.explanation is not None and outcome.explanation.id == LESSONS[lesson_id]


async def test_a_name_an_earlier_step_makes_is_traced_to_that_step(interp):
    lesson = load_catalog(builtin=True, user=False, env=False).get("item").lesson
    step = lesson.steps[1]  # uses `a`, which step 1 makes; this namespace never ran step 1
    outcome = await judge_step(
        interp,
        step,
        step.code,
        namespace="item-fresh",
        lesson_id="item",
        step_names=step_names(lesson.steps, 1),
    )
    assert outcome.result.error_type == "NameError"
    found = outcome.explanation
    assert found is not None and found.id == "name-earlier-step"
    assert (
        "`a` is made in step 1" in found.text
        and "F9" in found.text
        and "--lesson item" in found.text
    )
