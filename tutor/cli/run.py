"""Provides `torch-tutor run`: one cell in the sandboxed interpreter, with the mistake coach's explanation."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from tutor.cli.common import add_device, add_lang, add_lessons, load_catalog_for

# --json's "status" values beyond the ExecResult's own: the code could not be read or replayed.
_NOT_RUN = 2


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run code as one cell in the sandboxed interpreter and explain its error",
        description="Run FILE (or standard input: '-' or nothing) as one cell in the sandboxed "
        "interpreter, print its output and error, and the mistake coach's explanation when the "
        "error is one it knows. With --lesson ID --step N, the lesson's steps before N run first "
        "(their solutions), so the cell sees the names they make, as in the app. Exit code: 0 when "
        "the cell ran, 1 when it failed, 2 when it could not run.",
    )
    parser.add_argument(
        "file",
        nargs="?",
        default="-",
        metavar="FILE",
        help="the code to run ('-' or nothing: standard input)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: status, output, error {type, message}, explanation",
    )
    parser.add_argument(
        "--lesson", metavar="ID", help="run in this lesson's namespace (with --step)"
    )
    parser.add_argument(
        "--step",
        type=int,
        metavar="N",
        help="replay the lesson's steps before step N (from 1) first",
    )
    add_lang(parser)
    add_lessons(parser)
    add_device(parser)


def _fail(message: str) -> int:
    print(f"torch-tutor run: {message}", file=sys.stderr)
    return _NOT_RUN


def _read(file: str) -> str:
    if file == "-":
        return sys.stdin.read()
    return Path(file).read_text(encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    try:
        code = _read(args.file)
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"cannot read {args.file}: {exc}")
    lesson = None
    if args.lesson is not None:
        loaded = load_catalog_for(args).get(args.lesson)
        if loaded is None:
            return _fail(f"no lesson with id {args.lesson!r} (torch-tutor lessons lists them)")
        lesson = loaded.lesson
        if args.step is not None and not 1 <= args.step <= len(lesson.steps) + 1:
            return _fail(
                f"--step {args.step}: lesson {lesson.id!r} has steps 1 to {len(lesson.steps)}"
            )
    elif args.step is not None:
        return _fail("--step needs --lesson ID")
    return asyncio.run(_run(args, code, lesson))


async def _run(args: argparse.Namespace, code: str, lesson: Any) -> int:
    from tutor.coach import explain, step_names
    from tutor.interpreter import Interpreter
    from tutor.judge import needs_skip, replay_steps

    interp = Interpreter(device=args.device, spare=False)
    try:
        try:
            await interp.start()
        except Exception as exc:  # no worker: say why instead of a traceback
            return _fail(f"the interpreter did not start: {type(exc).__name__}: {exc}")
        namespace, setup, names = "main", None, {}
        if lesson is not None:
            namespace, setup = lesson.id, lesson.setup
            upto = (args.step or 1) - 1
            cells = [
                (i, step, (step.solution if step.is_exercise else step.code) or "")
                for i, step in enumerate(lesson.steps[:upto])
                if step.runnable and needs_skip(step, interp) is None
            ]
            problems = await replay_steps(interp, namespace, cells, setup=setup)
            for problem in problems:
                print(
                    f"torch-tutor run: replaying lesson {lesson.id!r}: {problem}", file=sys.stderr
                )
            names = step_names(lesson.steps, upto, args.lang)
        stream = None if args.json else _echo
        result = await interp.execute(code, namespace=namespace, on_output=stream, setup=setup)
    finally:
        await interp.shutdown()
    explanation = None
    if result.status == "error":
        explanation = explain(
            result.error_type,
            result.error_message,
            result.facts,
            lang=args.lang,
            lesson_id=lesson.id if lesson is not None else None,
            step_names=names,
        )
    if args.json:
        print(json.dumps(_as_json(result, explanation), ensure_ascii=False))
    else:
        _print(result, explanation, args.lang)
    return 0 if result.ok else 1


def _echo(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _as_json(result: Any, explanation: Any) -> dict[str, Any]:
    error = None
    if result.status == "error":
        error = {"type": result.error_type, "message": result.error_message}
    elif not result.ok:
        error = {"type": None, "message": result.detail or result.status}
    return {
        "status": result.status,
        "output": result.text(),
        "error": error,
        "explanation": None
        if explanation is None
        else {
            "id": explanation.id,
            "text": explanation.text,
            "fix": explanation.fix,
            "lesson": explanation.lesson,
        },
    }


_WORDS = {
    "en": {"fix": "Fix:", "lesson": "Lesson that teaches it: {lesson}"},
    "zh": {"fix": "改法：", "lesson": "讲这一点的课程：{lesson}"},
}


def _print(result: Any, explanation: Any, lang: str) -> None:
    if result.value is not None:
        print(result.value)
    if result.status == "error":
        sys.stderr.write(
            result.traceback if result.traceback.endswith("\n") else result.traceback + "\n"
        )
    elif not result.ok:
        print(f"{result.status}: {result.detail}", file=sys.stderr)
    if explanation is None:
        return
    words = _WORDS.get(lang, _WORDS["en"])
    print()
    print(explanation.text)
    if explanation.fix:
        print(f"{words['fix']} {explanation.fix}")
    if explanation.lesson:
        print(words["lesson"].format(lesson=explanation.lesson))
