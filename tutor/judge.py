"""Provides judge_step: run one lesson step through an interpreter and judge it (for the app and `check`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tutor.coach import Explanation, explain_outcome
from tutor.compare import Verdict, compare
from tutor.lessons.model import ErrorExpect

if TYPE_CHECKING:
    from tutor.interpreter import ExecResult
    from tutor.lessons.model import Step

# The few sentences judge says itself; the comparison engine words the rest (in the same lang).
_MESSAGES = {
    "en": {
        "needs_cuda": "skipped: this step needs CUDA, and cells run on {device}",
        "needs_loopback": "skipped: this step's processes talk over TCP on 127.0.0.1, which the "
        "sandbox allows only in a private network, and there is none here ({device})",
        "nothing": "nothing to run",
        "ran": "ran without error",
        "checks_passed": "all checks passed",
        "check_failed": "check failed: {message}",
        "check_failed_bare": "a check failed (its assertion has no message)",
        "check_raised": "the check raised {error}",
        "setup_raised": "the lesson's setup raised {error} (a mistake in the lesson, not yours)",
        "code_raised": "your code raised {error}",
        "answer_raised": "your code raised {error} when the check called it",
        "did_not_finish": "{who} did not finish: {what}",
        "your_code": "your code",
        "the_check": "the check",
    },
    "zh": {
        "needs_cuda": "已跳过：这一步需要 CUDA，而代码运行在 {device} 上",
        "needs_loopback": "已跳过：这一步的进程要通过 127.0.0.1 上的 TCP 通信，沙箱只在独立的网络"
        "命名空间里允许这样做，而这里没有（{device}）",
        "nothing": "没有可运行的代码",
        "ran": "运行成功，没有错误",
        "checks_passed": "所有检查都通过了",
        "check_failed": "检查未通过：{message}",
        "check_failed_bare": "有一项检查未通过（该断言没有说明）",
        "check_raised": "检查代码出错：{error}",
        "setup_raised": "课程的准备代码（setup）出错：{error}（这是课程的问题，不是你的）",
        "code_raised": "你的代码出错：{error}",
        "answer_raised": "检查调用你的代码时出错：{error}",
        "did_not_finish": "{who}没有运行完：{what}",
        "your_code": "你的代码",
        "the_check": "检查代码",
    },
}


def _t(lang: str, key: str, **kw: Any) -> str:
    return _MESSAGES.get(lang, _MESSAGES["en"]).get(key, _MESSAGES["en"][key]).format(**kw)


@dataclass
class StepOutcome:
    passed: bool | None  # None: skipped (needs cuda) or nothing to judge
    reason: str
    result: ExecResult | None
    verdict: Verdict | None
    check: ExecResult | None = None  # the exercise check's run
    explanation: Explanation | None = None  # the mistake coach's, when it failed (tutor.coach)

    @property
    def skipped(self) -> bool:
        return self.passed is None


def _error(result: ExecResult) -> str:
    message = (result.error_message or "").strip()
    return f"{result.error_type}: {message}" if message else str(result.error_type)


def _unfinished(result: ExecResult) -> str:
    """What happened to a cell that did not end normally (timeout, crash, limit, interrupt)."""
    detail = result.detail or (result.error_message or "")
    return f"{result.status} ({detail})" if detail else result.status


def describe_failure(result: ExecResult, lang: str = "en", *, who: str = "your_code") -> str:
    if result.status == "error" and result.detail == "setup":
        return _t(lang, "setup_raised", error=_error(result))
    if result.status == "error" and result.detail == "answer":  # from a function the check called
        return _t(lang, "answer_raised", error=_error(result))
    if result.status == "error":
        key = "code_raised" if who == "your_code" else "check_raised"
        return _t(lang, key, error=_error(result))
    return _t(lang, "did_not_finish", who=_t(lang, who), what=_unfinished(result))


def needs_skip(step: Step, interp: Any) -> str | None:
    """What ``step`` lacks on this interpreter (its device, or why it has no loopback), or None."""
    device = interp.device  # None until the worker has started
    if step.needs_cuda and (device is None or device.kind != "cuda"):
        return device.label if device is not None else "an unknown device"
    if step.needs_loopback:
        return loopback_missing(interp)
    return None


def loopback_missing(interp: Any) -> str | None:
    """Why cells on ``interp`` cannot use TCP on 127.0.0.1, or None when they can."""
    box = (getattr(interp, "worker_info", None) or {}).get("sandbox") or {}
    if box.get("loopback"):
        return None
    return box.get("loopback_note") or "the worker has not reported a private network"


# After these a replay stops: the worker (or the step's work) is gone, so later steps would only fail.
_REPLAY_STOPS = ("crashed", "timeout", "interrupted", "limit")


async def replay_steps(
    interp: Any,
    namespace: str,
    cells: Iterable[tuple[int, Step, str]],
    *,
    on_start: Callable[[int], Any] | None = None,
    on_result: Callable[[int, ExecResult, int], Any] | None = None,
    setup: str | None = None,
) -> list[str]:
    """Run earlier steps' code again, in order, to rebuild the names later steps use.

    ``cells`` are (step index, step, code). ``on_start(index)`` and ``on_result(index, result,
    generation)`` are called around each run; ``generation`` is the interpreter's, read just
    before the run. ``setup`` is the lesson's hidden setup, run before each cell. Returns the
    problems as lines ("step 3: error (NameError)"); a step whose
    expectation is an error may raise it. Stops after a run that did not finish or lost the
    worker (the interpreter's generation changed).
    """
    problems: list[str] = []
    for index, step, code in cells:
        if on_start is not None:
            on_start(index)
        generation = interp.generation
        result = await interp.execute(code, timeout=step.timeout, namespace=namespace, setup=setup)
        if on_result is not None:
            on_result(index, result, generation)
        expected_error = result.status == "error" and isinstance(step.expect, ErrorExpect)
        if not result.ok and not expected_error:
            error = f" ({result.error_type})" if result.error_type else ""
            problems.append(f"step {index + 1}: {result.status}{error}")
        if result.status in _REPLAY_STOPS or interp.generation != generation:
            break
    return problems


async def judge_step(
    interp: Any,
    step: Step,
    code: str,
    *,
    namespace: str,
    lang: str = "en",
    on_output: Callable[[str], Any] | None = None,
    on_display: Callable[[dict[str, Any]], Any] | None = None,
    setup: str | None = None,
    lesson_id: str | None = None,
    step_names: Mapping[str, tuple[int, str]] | None = None,
) -> StepOutcome:
    """Judge ``step`` (see ``_judge``), then add the mistake coach's word on a failure.

    ``lesson_id`` and ``step_names`` (tutor.coach.step_names of the steps before this one) let the
    coach name the lesson step a missing name comes from.
    """
    outcome = await _judge(
        interp,
        step,
        code,
        namespace=namespace,
        lang=lang,
        on_output=on_output,
        on_display=on_display,
        setup=setup,
    )
    outcome.explanation = explain_outcome(
        outcome, lang=lang, lesson_id=lesson_id, step_names=step_names, exercise=step.is_exercise
    )
    return outcome


async def _judge(
    interp: Any,
    step: Step,
    code: str,
    *,
    namespace: str,
    lang: str,
    on_output: Callable[[str], Any] | None,
    on_display: Callable[[dict[str, Any]], Any] | None,
    setup: str | None,
) -> StepOutcome:
    """Run ``code`` as ``step``'s cell in ``namespace`` and judge it.

    Demo: compare the output with ``expect`` (none: it must not fail). Exercise: run the learner's
    code, then ``check`` in the same namespace; an AssertionError's message is the reason, and
    ``expect``, if given, is compared too. A ``needs_cuda`` step is skipped off CUDA.

    ``setup`` (the lesson's) runs, hidden, in the namespace before the cell and again before the
    check, so a cell cannot break the helpers a check relies on. The check runs with the check
    helpers (``say`` answers in ``lang``) over a copy of the namespace.

    ``on_output`` and ``on_display`` stream the learner's run (``Interpreter.execute``'s callbacks);
    the check's run is not streamed: what it prints is not the learner's output.
    """
    if (device := needs_skip(step, interp)) is not None:
        on_cuda = interp.device is not None and interp.device.kind == "cuda"
        key = "needs_cuda" if step.needs_cuda and not on_cuda else "needs_loopback"
        return StepOutcome(None, _t(lang, key, device=device), None, None)
    if not step.runnable and not code.strip():
        return StepOutcome(None, _t(lang, "nothing"), None, None)

    result = await interp.execute(
        code,
        timeout=step.timeout,
        namespace=namespace,
        on_output=on_output,
        on_display=on_display,
        setup=setup,
    )
    expect = step.expect
    verdict = compare(expect, result.observed(), lang=lang) if expect is not None else None

    if not step.is_exercise:
        if verdict is not None:
            return StepOutcome(verdict.passed, verdict.reason, result, verdict)
        if result.ok:
            return StepOutcome(True, _t(lang, "ran"), result, None)
        return StepOutcome(False, describe_failure(result, lang), result, None)

    if not result.ok and (verdict is None or not verdict.passed):
        # The check would only trip over what the code failed to define; the code's error says more.
        return StepOutcome(False, describe_failure(result, lang), result, verdict)

    check = await interp.execute(
        step.check or "",
        timeout=step.timeout,
        namespace=namespace,
        check=True,
        lang=lang,
        setup=setup,
    )
    if check.status == "error" and check.error_type == "AssertionError":
        message = (check.error_message or "").strip()
        reason = (
            _t(lang, "check_failed", message=message) if message else _t(lang, "check_failed_bare")
        )
        return StepOutcome(False, reason, result, verdict, check)
    if not check.ok:
        return StepOutcome(
            False, describe_failure(check, lang, who="the_check"), result, verdict, check
        )
    if verdict is not None and not verdict.passed:
        return StepOutcome(False, verdict.reason, result, verdict, check)
    return StepOutcome(True, _t(lang, "checks_passed"), result, verdict, check)
