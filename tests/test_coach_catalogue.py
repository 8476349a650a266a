"""The coach's catalogue format, its lessons, its check-verdict fixes, and its layer rule (no worker)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tutor.coach import explain, explain_outcome, step_names
from tutor.coach.catalogue import CatalogueError, entries, parse
from tutor.compare import Observed, compare
from tutor.interpreter.results import ExecResult
from tutor.judge import StepOutcome
from tutor.lessons.loader import load_catalog
from tutor.lessons.model import TensorExpect

GOOD = """
format_version = 1
[[entry]]
id = "one"
types = ["RuntimeError"]
patterns = ['boom (?P<n>\\d+)']
text.en = "boom {n}"
text.zh = "爆 {n}"
"""


def test_a_minimal_catalogue_parses_and_explains_from_its_groups():
    (entry,) = parse(GOOD)
    assert entry.reader == "message" and entry.fix == "" and entry.source == "error"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("format_version = 1", "format_version = 2"), "format_version 2"),
        (
            ('types = ["RuntimeError"]', 'types = ["RuntimeError"]\nreader = "nope"'),
            "no reader 'nope'",
        ),
        (("'boom (?P<n>\\d+)'", "'boom ('"), "pattern"),
        (('text.zh = "爆 {n}"\n', ""), "zh"),
        (('id = "one"', 'id = "one"\ncolour = "red"'), "colour"),
    ],
)
def test_a_broken_catalogue_says_what_is_wrong(change, problem):
    with pytest.raises(CatalogueError, match=problem):
        parse(GOOD.replace(*change))


def test_a_duplicate_id_is_refused():
    with pytest.raises(CatalogueError, match="appears twice"):
        parse(GOOD + GOOD.split("\n", 2)[2])


def test_the_builtin_catalogue_loads_with_its_lessons_and_both_languages():
    loaded = entries()
    assert len([e for e in loaded if e.source == "error"]) >= 30
    builtin = load_catalog(builtin=True, user=False, env=False)
    for entry in loaded:
        assert entry.lesson is None or builtin.get(entry.lesson) is not None, entry.id
        for variant in (entry.text, *entry.texts.values()):
            assert variant.en.strip() and variant.zh.strip(), entry.id


def _check_failed(expected: str, printed: str, lang: str = "en") -> StepOutcome:
    """A learner's cell that ran, judged against a tensor expectation by the real comparison engine."""
    verdict = compare(TensorExpect(output=expected), Observed(output=printed), lang=lang)
    result = ExecResult(status="ok", output=printed)
    return StepOutcome(verdict.passed, verdict.reason, result, verdict)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_failed_check_on_dtype_gets_the_one_line_fix(lang):
    outcome = _check_failed("tensor([1., 2.])\n", "tensor([1, 2])\n", lang)
    assert outcome.passed is False and "dtype" in outcome.reason
    found = explain_outcome(outcome, lang=lang)
    assert found is not None and found.id == "verdict-dtype" and found.fix == "x.float()"
    assert "float32" in found.text and "int64" in found.text


def test_a_failed_check_on_shape_gets_unsqueeze_and_none_for_a_guess():
    found = explain_outcome(_check_failed("tensor([[1.],\n        [2.]])\n", "tensor([1., 2.])\n"))
    assert found is not None and found.fix == "x.unsqueeze(1)" and "[2] to [2, 1]" in found.text
    # [2, 3] against [3, 2]: a transpose or a reshape? The coach does not guess.
    wide = "tensor([[1., 2., 3.],\n        [4., 5., 6.]])\n"
    tall = "tensor([[1., 4.],\n        [2., 5.],\n        [3., 6.]])\n"
    assert explain_outcome(_check_failed(wide, tall)) is None


def test_passing_outcomes_and_values_that_differ_get_nothing():
    assert explain_outcome(_check_failed("tensor([1., 2.])\n", "tensor([1., 2.])\n")) is None
    assert explain_outcome(_check_failed("tensor([1., 2.])\n", "tensor([1., 3.])\n")) is None


def test_no_message_or_an_unknown_type_gets_nothing():
    assert explain(None, None, None) is None
    assert (
        explain("KeyError", "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)", {}) is None
    )


def test_step_names_maps_each_name_to_the_latest_step_that_makes_it():
    builtin = load_catalog(builtin=True, user=False, env=False)
    lesson = builtin.get("item").lesson
    names = step_names(lesson.steps, 2)
    assert names["a"] == (1, "One element is still a tensor")
    assert names["loss"] == (2, "item() gives a Python number")
    assert "loss" not in step_names(lesson.steps, 1)


def test_the_coach_and_judge_import_neither_torch_nor_textual():
    code = textwrap.dedent("""
        import sys
        import tutor.coach, tutor.judge
        tutor.coach.explain("RuntimeError", "grad can be implicitly created only for scalar outputs", {})
        bad = [m for m in ("torch", "textual") if m in sys.modules]
        assert not bad, bad
    """)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_a_failed_check_on_device_points_at_the_tutors_device():
    verdict = compare(
        TensorExpect(output="tensor([1., 2.])\n", check_device=True),
        Observed(output="tensor([1., 2.], device='cuda:0')\n"),
        lang="zh",
    )
    outcome = StepOutcome(verdict.passed, verdict.reason, ExecResult(status="ok"), verdict)
    found = explain_outcome(outcome, lang="zh")
    assert found is not None and found.fix == "x.to(device)" and "设备" in found.text


def test_a_reader_that_breaks_on_odd_facts_is_skipped_not_raised():
    # Facts are JSON from another process: a tensor without its shape must not crash judging.
    odd = {"names": {"x": {"kind": "tensor"}}, "ops": [{"op": "item", "recv": "x", "args": []}]}
    assert (
        explain("RuntimeError", "a Tensor with 3 elements cannot be converted to Scalar", odd)
        is None
    )
