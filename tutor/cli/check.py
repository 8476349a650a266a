"""Provides `torch-tutor check`: run every lesson as a learner would and report per step."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TYPE_CHECKING, Any

from tutor.cli.common import (
    add_device,
    add_lang,
    add_lessons,
    add_paths,
    console,
    escape,
    load_catalog_for,
)

if TYPE_CHECKING:
    from tutor.cli.runner import StepRecord


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "check",
        help="run lessons in the sandboxed interpreter and judge every step",
        description="Run each lesson's steps in order in the sandboxed interpreter (one fresh "
        "namespace per lesson), as a learner would, and judge each against its expectation. "
        "For every exercise, prove that the starter code fails its check and the reference "
        "solution passes it (the starter runs first). Steps that need CUDA are skipped with a "
        "note elsewhere. Exit code 1 on any failure or load error.",
    )
    add_paths(parser)
    parser.add_argument(
        "--only", action="append", metavar="ID", help="check only lesson ID (repeatable)"
    )
    add_lessons(parser)
    add_device(parser)
    add_lang(parser)
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object per step, then a summary"
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also show what each check printed (print() in a check is for this)",
    )


class _Rich:
    """Per-step lines above a progress bar."""

    def __init__(self, total: int, verbose: bool = False) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.out = console()
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.out,
            transient=True,
        )
        self.task = self.progress.add_task("checking", total=total)
        self.verbose = verbose

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def device(self, label: str, note: str) -> None:
        self.out.print(
            f"cells run on [bold cyan]{escape(label)}[/]"
            + (f"  [yellow]{escape(note)}[/]" if note else "")
        )

    def load_error(self, error) -> None:
        self.out.print(f"[red]✗[/] {escape(error)}")

    def lint(self, problem) -> None:
        colour = "red" if problem.severity == "error" else "yellow"
        self.out.print(
            f"[{colour}]{'✗' if colour == 'red' else '!'}[/] {escape(problem.path)}: "
            f"[{colour}]{problem.severity}[/] {escape(problem.message)}"
        )

    def lesson(self, item) -> None:
        self.progress.update(self.task, description=f"checking {item.lesson.id}")
        self.out.print(f"[bold]{escape(item.lesson.id)}[/] [dim]{escape(item.path)}[/]")

    def record(self, r) -> None:
        self.progress.advance(self.task)
        mark = {True: "[green]✓[/]", False: "[red]✗[/]", None: "[yellow]-[/]"}[r.passed]
        ms = f" [dim]{r.elapsed * 1000:.0f} ms[/]" if r.elapsed else ""
        head = f"  {mark} {escape(r.place)} {r.label}"
        reason = r.reason.replace("\n", "\n      ")  # a multi-line reason stays under its record
        if r.passed and r.role in ("starter", "wrong"):
            # Why it failed, so an author sees the check rejects it for the right reason.
            self.out.print(f"{head}: [dim]{escape(reason)}[/]{ms}")
        elif r.passed:
            self.out.print(f"{head}{ms}")
        else:
            self.out.print(f"{head}: {escape(reason)}{ms}")
            self._diff(r)
        if self.verbose and r.check_output:
            self.out.print("      [dim]the check printed:[/]")
            for line in r.check_output.rstrip("\n").splitlines():
                self.out.print(f"      [dim]│[/] {escape(line)}")
        self._pictures(r)

    def _diff(self, r) -> None:
        """In a terminal the differing spans are shown in reverse colour; elsewhere (and in
        --json) a marker line of ^ sits under each row (Verdict.diff_text(markers=True))."""
        verdict = r.outcome.verdict if r.outcome is not None else None
        if self.out.is_terminal and verdict is not None and verdict.diff:
            from rich.text import Text

            for row in verdict.diff:
                colour = {"-": "red", "+": "green"}.get(row.sign, "dim")
                text = Text(f"      {row.sign} ", style=colour)
                body = Text(row.text, style=colour)
                for start, end in row.marks:
                    body.stylize("bold reverse", start, end)
                self.out.print(text + body)
            return
        for line in r.diff.splitlines():
            colour = {"-": "red", "+": "green"}.get(line[:1], "dim")
            self.out.print(f"      [{colour}]{escape(line)}[/]")

    def _pictures(self, r) -> None:
        """The step's `show` pictures (tutor.pictures): drawn in a terminal, compact text otherwise."""
        from rich.text import Text

        from tutor.pictures.text import report

        outcome = r.outcome
        shown = outcome is not None and r.role in ("demo", "solution")
        result = outcome.result if shown else None
        if result is not None and result.displays:
            self.out.print(
                Text.from_ansi(
                    report(result.displays, terminal=self.out.is_terminal, width=self.out.width)
                )
            )
        # What the check drew (e.g. target vs yours) goes beside its verdict, for every role.
        check = outcome.check if outcome is not None else None
        if check is not None and check.displays:
            self.out.print("      [dim]the check drew:[/]")
            self.out.print(
                Text.from_ansi(
                    report(check.displays, terminal=self.out.is_terminal, width=self.out.width)
                )
            )

    def summary(self, s: dict) -> None:
        ok = not (s["failed"] or s["load_errors"] or s["lint_errors"] or s["device_refused"])
        colour = "green" if ok else "red"
        lint = f", {s['lint_errors']} lint error(s) (not run)" if s["lint_errors"] else ""
        self.out.print(
            f"[bold {colour}]{s['lessons']} lesson(s): {s['passed']} passed, {s['failed']} failed, "
            f"{s['skipped']} skipped, {s['load_errors']} load error(s){lint} in {s['seconds']:.1f} s[/]"
        )
        if s["device_refused"]:
            self.out.print("[bold red]the --device asked for was refused (see above)[/]")


class _Json:
    """One JSON object per line, for scripts and CI."""

    def __init__(self, total: int, verbose: bool = False) -> None:
        self.total = total

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def _emit(self, obj: dict) -> None:
        print(json.dumps(obj, ensure_ascii=False), flush=True)

    def device(self, label: str, note: str) -> None:
        self._emit({"device": label, "note": note})

    def load_error(self, error) -> None:
        self._emit({"load_error": error.message, "path": str(error.path)})

    def lint(self, problem) -> None:
        self._emit(
            {"lint": problem.severity, "message": problem.message, "path": str(problem.path)}
        )

    def lesson(self, item) -> None:
        pass

    def record(self, r) -> None:
        self._emit(
            {
                "lesson": r.lesson_id,
                "step": r.index,
                "name": r.place,
                "role": r.role,
                "wrong": r.variant or None,
                "passed": r.passed,
                "reason": r.reason,
                "elapsed": round(r.elapsed, 4),
                "diff": r.diff,
                "check_output": r.check_output,
                "pictures": pictures_json(r),
                "check_pictures": pictures_json(r, of_check=True),
            }
        )

    def summary(self, s: dict) -> None:
        self._emit({"summary": s})


def pictures_json(r: StepRecord, *, of_check: bool = False) -> list[dict[str, Any]]:
    """The `show` pictures of the run a record judges (``of_check``: of its check, e.g. "target
    vs yours"): kind, title ("" for none) and compact text.

    The text is what a `regex` expectation matches and what `check` prints when not on a terminal.
    """
    from tutor.pictures import PictureError, decode, describe

    outcome = r.outcome
    result = (outcome.check if of_check else outcome.result) if outcome is not None else None
    pictures = []
    for item in result.displays if result is not None else []:
        try:
            picture = decode(item)
            kind, title = picture.__struct_config__.tag, picture.title
        except PictureError:  # its text says it cannot be drawn; the kind it claimed, if a string
            claimed = item.get("kind") if isinstance(item, dict) else None
            kind, title = (claimed if isinstance(claimed, str) else None), ""
        pictures.append({"kind": kind, "title": title, "text": describe(item)})
    return pictures


async def _check(args: argparse.Namespace) -> int:
    from tutor.cli.runner import check_lesson, planned
    from tutor.interpreter import Interpreter
    from tutor.lessons.lint import ERROR, lint_catalog
    from tutor.lessons.loader import is_builtin

    started = time.perf_counter()
    catalog = load_catalog_for(args, args.paths)
    lessons = [i for i in catalog.lessons if not args.only or i.lesson.id in args.only]
    errors = [e for e in catalog.errors if not args.only or e.lesson_id in args.only]
    # Nothing runs that lint has not passed: a lesson with a lint error is reported, not run
    # (its load errors are already in `errors`; warnings are shown and the lesson runs).
    wanted = {i.lesson.id for i in lessons}
    linted = [
        p
        for p in lint_catalog(catalog, require_zh=is_builtin)
        if p.lesson_id in wanted and not _is_load_error(p, catalog)
    ]
    broken = {p.lesson_id for p in linted if p.severity == ERROR}
    if args.only and (missing := set(args.only) - wanted):
        print(f"torch-tutor check: no lesson with id {', '.join(sorted(missing))}", file=sys.stderr)
        return 1
    lessons = [i for i in lessons if i.lesson.id not in broken]
    if not lessons and not errors and not broken:
        print("torch-tutor check: no lessons found", file=sys.stderr)
        return 1
    lang = args.lang
    reporter = (_Json if args.json else _Rich)(sum(planned(i) for i in lessons), args.verbose)
    counts = {"passed": 0, "failed": 0, "skipped": 0}

    interp = Interpreter(device=args.device, spare=False)
    try:
        with reporter:
            try:
                info = await interp.start()
            except Exception as exc:  # no worker, no check: say why instead of a traceback
                print(
                    f"torch-tutor check: the interpreter did not start: {type(exc).__name__}: {exc}",
                    file=sys.stderr,
                )
                return 1
            reporter.device(info.label, info.note)
            # An explicit --device that the worker refused means the run is not what was asked for.
            refused = bool(args.device and info.note)
            for error in errors:
                reporter.load_error(error)
            for problem in linted:
                reporter.lint(problem)

            def on_record(record) -> None:
                key = {True: "passed", False: "failed", None: "skipped"}[record.passed]
                counts[key] += 1
                reporter.record(record)

            for item in lessons:
                reporter.lesson(item)
                await check_lesson(interp, item, lang=lang, on_record=on_record)
            summary = {
                "lessons": len(lessons),
                **counts,
                "load_errors": len(errors),
                "lint_errors": sum(p.severity == ERROR for p in linted),
                "device_refused": refused,
                "device": info.label,
                "seconds": round(time.perf_counter() - started, 2),
            }
            reporter.summary(summary)
    finally:
        await interp.shutdown()
    return 1 if counts["failed"] or errors or broken or refused else 0


def _is_load_error(problem, catalog) -> bool:
    """Whether lint's ``problem`` is one of the catalog's load errors (reported once, as those)."""
    return any(e.path == problem.path and e.message == problem.message for e in catalog.errors)


def run(args: argparse.Namespace) -> int:
    import asyncio  # here, not at the top: CLI start-up stays fast for every other command

    return asyncio.run(_check(args))
