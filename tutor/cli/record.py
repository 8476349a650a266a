"""Provides `torch-tutor record PATH`: fill in expected outputs from a real run, keeping the file's
comments and formatting."""

from __future__ import annotations

import argparse
from pathlib import Path

from tutor.cli.common import (
    add_device,
    add_lessons,
    console,
    escape,
    load_catalog_for,
    step_name,
)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "record",
        help="fill in expected outputs from a real run",
        description="Run the lesson in PATH in the sandboxed interpreter (demo code and exercise "
        "solutions, in order) and write each demo step's observed output into the file with "
        "tomlkit, keeping comments and formatting. Steps with a text, tensor or shape expectation "
        "get their `output` replaced; steps without one get `[steps.expect]` with kind ok for a "
        "silent cell, tensor when the output shows tensors, else text. shape expectations are "
        "rewritten only with --update shape; regex, error and ok are the author's (record says "
        "whether they hold). The file's line endings are kept. "
        "Exit code 1 when a step fails to run (its output is not recorded).",
    )
    parser.add_argument("path", type=Path, metavar="PATH", help="the lesson file")
    add_device(parser)
    add_lessons(parser)
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="show what would change, with the values; write nothing",
    )
    parser.add_argument(
        "--update",
        action="append",
        choices=["shape"],
        default=[],
        metavar="KIND",
        help="also rewrite the outputs of KIND expectations (shape; repeatable)",
    )


async def _observe(
    item, device: str | None, out, kinds: tuple[str, ...]
) -> tuple[dict[int, str], list[str], str]:
    """Run the lesson; return recordable outputs by step index, problems, and the device label."""
    from tutor.compare import compare
    from tutor.interpreter import Interpreter
    from tutor.judge import describe_failure, needs_skip

    lesson = item.lesson
    outputs: dict[int, str] = {}
    problems: list[str] = []
    interp = Interpreter(device=device, spare=False)
    try:
        info = await interp.start()
        await interp.reset_namespace(lesson.id)
        for index, step in enumerate(lesson.steps):
            if not step.runnable:
                continue
            place = step_name(index)
            if (where := needs_skip(step, interp)) is not None:
                off_cuda = step.needs_cuda and getattr(interp.device, "kind", None) != "cuda"
                why = "needs CUDA, cells run on" if off_cuda else "needs TCP on 127.0.0.1:"
                out.print(f"  [yellow]-[/] {place}: {why} {escape(where)}; left as it is")
                continue
            code = step.solution if step.is_exercise else step.code
            generation = interp.generation
            result = await interp.execute(
                code or "", timeout=step.timeout, namespace=lesson.id, setup=lesson.setup
            )
            if interp.generation != generation:  # a new worker: the namespace is gone
                problems.append(
                    f"{place}: {describe_failure(result)}; the interpreter restarted, stopping"
                )
                break
            kind = type(step.expect).__struct_config__.tag if step.expect is not None else None
            if kind is not None and kind not in kinds:
                # regex, error, ok (and shape unless asked) are the author's; say whether they hold.
                verdict = compare(step.expect, result.observed())
                if not verdict.passed:
                    problems.append(
                        f"{place}: {verdict.reason} (a {kind} expectation is yours to fix)"
                    )
                continue
            if not result.ok:
                problems.append(f"{place}: {describe_failure(result)}; output not recorded")
                continue
            if step.is_exercise and step.expect is None:
                continue  # exercises are judged by their check
            outputs[index] = result.text()
        return outputs, problems, info.label
    finally:
        await interp.shutdown()


def run(args: argparse.Namespace) -> int:
    from tutor.files import write_atomically
    from tutor.lessons.loader import LessonError, load_file, toml_loads
    from tutor.lessons.model import lesson_from_data
    from tutor.lessons.recorder import DEFAULT_KINDS, record_outputs

    out, err = console(), console(stderr=True)
    path: Path = args.path
    item = load_file(path)
    if isinstance(item, LessonError):
        err.print(f"[red]✗[/] {escape(item)}")
        return 1
    # The same catalogue as lint and check: a clash or a dangling prerequisite is worth knowing,
    # though recording outputs does not depend on it.
    for problem in load_catalog_for(args, [path]).errors:
        err.print(f"[yellow]![/] {escape(problem)}")
    kinds = (*DEFAULT_KINDS, *args.update)
    # Bytes, not read_text: universal newlines would turn a CRLF file into LF when written back.
    original = path.read_bytes().decode("utf-8")
    out.print(f"recording [bold]{escape(item.lesson.id)}[/] from {escape(path)}")
    import asyncio

    try:
        outputs, problems, label = asyncio.run(_observe(item, args.device, out, kinds))
    except Exception as exc:
        err.print(f"[red]✗[/] the interpreter failed: {escape(type(exc).__name__)}: {escape(exc)}")
        return 1
    new, changes = record_outputs(original, outputs, kinds=kinds)
    for change in changes:
        colour = {"added": "green", "updated": "cyan", "unchanged": "dim"}[change.action]
        out.print(f"  [{colour}]{change.action}[/] {step_name(change.step)} ({change.kind})")
        if args.dry_run and change.action != "unchanged" and change.kind != "ok":
            for line in outputs[change.step].rstrip("\n").splitlines():
                out.print(f"      [dim]│[/] {escape(line)}")
    for problem in problems:
        err.print(f"  [red]✗[/] {escape(problem)}")

    # What we write must still be a valid lesson; otherwise keep the author's file untouched.
    lesson_from_data(toml_loads(new.replace("\r\n", "\n")))
    changed = sum(c.action != "unchanged" for c in changes)
    if args.dry_run:
        out.print(f"dry run on {escape(label)}: {changed} output(s) would change; nothing written")
    elif new != original:
        try:
            write_atomically(path, new.encode("utf-8"))
        except OSError as exc:
            err.print(f"[red]✗[/] cannot write {escape(path)}: {escape(exc.strerror or exc)}")
            return 1
        out.print(
            f"[green]✓[/] wrote {changed} output(s) to {escape(path)} (run on {escape(label)})"
        )
    else:
        out.print(f"[green]✓[/] nothing to change (run on {escape(label)})")
    return 1 if problems else 0
