"""Tests for judge_step with a real interpreter worker: demos, exercises, errors, timeouts, skips."""

from __future__ import annotations

from pathlib import Path

from tutor.judge import StepOutcome, judge_step, replay_steps
from tutor.lessons.loader import load_file
from tutor.lessons.model import ErrorExpect, Step, TensorExpect, TextExpect

FIXTURE = Path(__file__).parent / "lessons_fixtures" / "good" / "basics.toml"


async def judge(interp, step: Step, code: str, ns: str, lang: str = "en") -> StepOutcome:
    return await judge_step(interp, step, code, namespace=ns, lang=lang)


SEVENS = load_file(FIXTURE).lesson.steps[4]


async def test_demo_that_matches(interp, ns):
    step = Step(
        text="t", code="torch.arange(3) * 2", expect=TensorExpect(output="tensor([0, 2, 4])")
    )
    out = await judge(interp, step, step.code, ns)
    assert out.passed is True and out.reason == "output matches"
    assert out.result.status == "ok" and out.verdict.passed and out.check is None


async def test_demo_edited_into_a_wrong_answer_shows_the_diff(interp, ns):
    step = Step(
        text="t", code="torch.arange(3) * 2", expect=TensorExpect(output="tensor([0, 2, 4])")
    )
    out = await judge(interp, step, "torch.arange(3) * 3", ns)
    assert out.passed is False
    assert out.reason == "value differs at [1]: expected 2, got 3 (and 1 more difference)"
    assert out.verdict.diff_text(markers=True) == (
        "- tensor([0, 2, 4])\n" + " " * 13 + "^  ^\n+ tensor([0, 3, 6])\n" + " " * 13 + "^  ^"
    )


async def test_demo_without_expect_must_only_run(interp, ns):
    step = Step(text="t", code="a = 1")
    assert (await judge(interp, step, "a = 1", ns)).reason == "ran without error"
    out = await judge(interp, step, "print(undefined_name)", ns)
    assert out.passed is False
    assert out.reason == "your code raised NameError: name 'undefined_name' is not defined"


async def test_demo_that_raises_on_purpose(interp, ns):
    step = Step(
        text="t",
        code="torch.arange(3).item()",
        expect=ErrorExpect(type="ValueError", match="converted to Scalar"),
    )
    out = await judge(interp, step, step.code, ns)
    assert out.passed is True
    assert "a known rename" in out.reason  # torch 2 raises RuntimeError; the lesson said ValueError


async def test_exercise_solution_and_any_correct_answer_pass(interp, ns):
    for code in (
        SEVENS.solution,
        "y = torch.ones(3, 4) * 7",
        "y = 7 * torch.ones(3, 4)",
        "y = torch.tensor([[7.0] * 4] * 3)",
    ):
        out = await judge(interp, SEVENS, code, ns)
        assert out.passed is True, (code, out.reason)
        assert out.reason == "all checks passed" and out.check.status == "ok"


async def test_exercise_assertion_message_is_the_reason(interp, ns):
    out = await judge(interp, SEVENS, SEVENS.starter, ns)
    assert out.passed is False and out.reason == "check failed: y should be a tensor"
    out = await judge(interp, SEVENS, "y = torch.full((3, 4), 7)", ns)
    assert out.reason == "check failed: y has dtype torch.int64; expected torch.float32"
    out = await judge(interp, SEVENS, "y = torch.full((4, 3), 7.0)", ns)
    assert out.reason == "check failed: y has shape (4, 3); expected (3, 4)"


async def test_exercise_code_error_stops_before_the_check(interp, ns):
    out = await judge(interp, SEVENS, "y = 1 / 0", ns)
    assert out.passed is False and out.check is None
    assert out.reason == "your code raised ZeroDivisionError: division by zero"


async def test_exercise_check_error_other_than_assertion(interp, ns):
    step = Step(text="t", starter="", solution="w = 1", check="assert w == 1, 'w should be 1'")
    out = await judge(interp, step, "v = 1", ns)
    assert out.passed is False
    assert out.reason == "the check raised NameError: name 'w' is not defined"
    bare = Step(text="t", starter="", solution="w = 1", check="assert w == 1")
    out = await judge(interp, bare, "w = 2", ns)
    assert out.reason == "a check failed (its assertion has no message)"


async def test_exercise_with_expect_compares_output_too(interp, ns):
    step = Step(
        text="t",
        starter="",
        solution="z = 2\nprint(z)",
        check="assert z == 2",
        expect=TextExpect(output="2"),
    )
    assert (await judge(interp, step, "z = 2\nprint(z)", ns)).passed is True
    out = await judge(interp, step, "z = 2\nprint('two')", ns)
    assert out.passed is False and out.check.status == "ok"
    assert out.reason == "line 1 differs: expected '2', got 'two'"


async def test_step_timeout(interp, ns):
    step = Step(text="t", code="while True: pass", timeout=0.5)
    out = await judge(interp, step, step.code, ns)
    assert out.passed is False
    assert out.result.status == "timeout"
    assert out.reason.startswith("your code did not finish: timeout")
    # The interpreter lives on for the next cell.
    again = await judge(interp, Step(text="t", code="1"), "1 + 1", ns)
    assert again.passed is True


async def test_namespace_persists_between_steps(interp, ns):
    await judge(interp, Step(text="t", code="q = torch.ones(2)"), "q = torch.ones(2)", ns)
    step = Step(text="t", code="q * 3", expect=TensorExpect(output="tensor([3., 3.])"))
    assert (await judge(interp, step, step.code, ns)).passed is True


async def test_replay_rebuilds_names_reports_problems_and_stops_at_a_timeout(interp, ns):
    cells = [
        (0, Step(text="t", code="r = 2"), "r = 2"),
        (1, Step(text="t", code="1/0", expect=ErrorExpect(type="ZeroDivisionError")), "1/0"),
        (2, Step(text="t", code="s = missing"), "s = missing"),
        (3, Step(text="t", code="while True: pass", timeout=0.5), "while True: pass"),
        (4, Step(text="t", code="after = 1"), "after = 1"),
    ]
    started, statuses = [], []
    problems = await replay_steps(
        interp,
        ns,
        cells,
        on_start=started.append,
        on_result=lambda i, r, _generation: statuses.append((i, r.status)),
    )
    # A step that expects its error is no problem; nothing runs after the timeout.
    assert problems == ["step 3: error (NameError)", "step 4: timeout (KeyboardInterrupt)"]
    assert started == [0, 1, 2, 3]
    assert statuses == [(0, "ok"), (1, "error"), (2, "error"), (3, "timeout")]
    step = Step(text="t", code="r * 5", expect=TextExpect(output="10"))
    assert (await judge(interp, step, step.code, ns)).passed is True


async def test_needs_cuda_is_skipped_off_cuda(interp, ns):
    step = Step(
        text="t",
        code="torch.ones(2, device='cuda').sum().item()",
        expect=TextExpect(output="2.0"),
        needs_cuda=True,
    )
    out = await judge(interp, step, step.code, ns)
    if interp.device.kind == "cuda":
        assert out.passed is True
    else:
        assert out.passed is None and out.skipped and out.result is None
        assert (
            out.reason == f"skipped: this step needs CUDA, and cells run on {interp.device.label}"
        )


async def test_reasons_in_chinese(interp, ns):
    out = await judge(interp, SEVENS, SEVENS.solution, ns, lang="zh")
    assert out.reason == "所有检查都通过了"
    out = await judge(interp, SEVENS, "y = 1 / 0", ns, lang="zh")
    assert out.reason == "你的代码出错：ZeroDivisionError: division by zero"


async def test_reading_step_has_nothing_to_judge(interp, ns):
    out = await judge(interp, Step(text="just read"), "", ns)
    assert out.passed is None and out.reason == "nothing to run"


async def test_streaming_callbacks_get_the_learners_run_not_the_checks(interp, ns):
    check = "print('printed by the check')\nshow.plot([1, 2, 3], title='the check')\nassert w == 1, 'w should be 1'"
    step = Step(text="t", starter="", solution="w = 1", check=check)
    code = "w = 1\nprint('printed by the learner')\nshow.plot([3, 2, 1], title='the learner')"
    chunks: list[str] = []
    pictures: list[dict] = []
    out = await judge_step(
        interp, step, code, namespace=ns, on_output=chunks.append, on_display=pictures.append
    )
    assert out.passed is True, out.reason
    assert "".join(chunks) == "printed by the learner\n"
    assert [p["title"] for p in pictures] == ["the learner"]
    # The check did print and draw; none of it was streamed as the learner's.
    assert out.check.output == "printed by the check\n" and len(out.check.displays) == 1


async def test_streaming_a_demo_that_fails(interp, ns):
    step = Step(text="t", code="print(1)", expect=TextExpect(output="1"))
    chunks: list[str] = []
    out = await judge_step(
        interp, step, "print('one')\nprint(undefined_name)", namespace=ns, on_output=chunks.append
    )
    assert out.passed is False and "".join(chunks) == "one\n"


# The verdict's own words (tutor.compare) in Chinese too, end to end.
async def test_judge_step_words_the_verdict_in_chinese(interp):
    step = Step(
        text="t", code="torch.arange(3) * 2", expect=TensorExpect(output="tensor([0, 2, 4])")
    )
    out_zh = await judge_step(
        interp, step, "torch.arange(3) * 3", namespace="compare-zh-1", lang="zh"
    )
    assert out_zh.passed is False
    assert out_zh.reason == "[1] 处的数值不同：期望 2，实际 3（另有 1 处不同）"
    assert (
        out_zh.verdict.diff_text(markers=True)
        == "- tensor([0, 2, 4])\n" + " " * 13 + "^  ^\n+ tensor([0, 3, 6])\n" + " " * 13 + "^  ^"
    )
    out_en = await judge_step(interp, step, "torch.arange(3) * 3", namespace="compare-zh-2")
    assert out_en.reason == "value differs at [1]: expected 2, got 3 (and 1 more difference)"
    step = Step(text="t", code="", expect=ErrorExpect(type="ValueError"))
    out_zh = await judge_step(
        interp, step, "print(undefined_name)", namespace="compare-zh-3", lang="zh"
    )
    assert (
        out_zh.reason
        == "期望抛出 ValueError，实际抛出了 NameError：name 'undefined_name' is not defined"
    )


async def test_the_coach_keeps_the_fix_out_of_an_exercise(interp):
    # dtypes' "mean of integer counts": the starter raises the very error whose fix is the answer
    lesson = load_file(Path(__file__).parents[1] / "lessons" / "18-dtypes.toml").lesson
    index, step = next((i, s) for i, s in enumerate(lesson.steps) if s.is_exercise)
    assert "counts" in (step.starter or "")
    out = await judge_step(
        interp, step, step.starter, namespace="coach-exercise", lesson_id=lesson.id
    )
    assert out.passed is False and out.explanation is not None
    assert "counts" in out.explanation.text and out.explanation.fix is None
    # the same mistake in a demo (not an exercise): the fix is shown
    demo = Step(text="t", code=step.starter, expect=ErrorExpect(type="RuntimeError"))
    shown = await judge_step(
        interp, demo, step.starter, namespace="coach-demo", lesson_id=lesson.id
    )
    assert shown.explanation is not None and shown.explanation.fix == "counts.float().mean()"
