"""Provides `torch-tutor lint`: fast static checks of lesson files, without running any code."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from tutor.cli.common import add_lessons, add_paths, console, escape, load_catalog_for


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "lint",
        help="check lesson files against the format, without running them",
        description="Check lesson files against format v1 without running any code: TOML syntax, "
        "fields and types, expectation kinds, unique ids, prerequisites, Python syntax of code, "
        "solution and check, regular expressions, hints on every exercise, and zh text. "
        "zh text is required in the built-in lessons folder, and everywhere with --require-zh. "
        "Exit code 1 on any problem, warnings included.",
    )
    add_paths(parser)
    add_lessons(parser)
    parser.add_argument("--require-zh", action="store_true", help="require zh text in every lesson")
    parser.add_argument("--json", action="store_true", help="print problems as JSON")


def run(args: argparse.Namespace) -> int:
    from tutor.lessons.lint import ERROR, WARNING, count, files_of, lint_catalog
    from tutor.lessons.loader import is_builtin

    started = time.perf_counter()
    catalog = load_catalog_for(args, args.paths)
    require = (lambda _p: True) if args.require_zh else is_builtin
    problems = lint_catalog(catalog, require_zh=require)
    elapsed = time.perf_counter() - started

    if args.json:
        print(
            json.dumps(
                [
                    {
                        "path": str(p.path),
                        "severity": p.severity,
                        "message": p.message,
                        "lesson_id": p.lesson_id,
                    }
                    for p in problems
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 1 if problems else 0

    out = console()
    by_path: dict[Path, list] = {}
    for p in problems:
        by_path.setdefault(p.path, []).append(p)
    files = files_of(catalog)
    for path, item in files:
        mine = by_path.pop(path, [])
        if not mine:
            out.print(
                f"[green]✓[/] {escape(path)} [dim]({item.lesson.id}, {len(item.lesson.steps)} steps)[/]"
            )
            continue
        out.print(f"[red]✗[/] {escape(path)}")
        for p in mine:
            colour = "red" if p.severity == ERROR else "yellow"
            out.print(f"    [{colour}]{p.severity}[/] {escape(p.message)}")
    for path, mine in by_path.items():  # problems about something that is not a lesson file
        for p in mine:
            out.print(f"[red]✗[/] {escape(path)}: [red]{p.severity}[/] {escape(p.message)}")

    errors, warnings = count(problems, ERROR), count(problems, WARNING)
    lessons = len(catalog.lessons)
    summary = f"{lessons} lesson(s), {len(files)} file(s): {errors} error(s), {warnings} warning(s) in {elapsed * 1000:.0f} ms"
    if not files:
        out.print("[yellow]no lesson files found[/]")
        return 1
    out.print(f"[bold {'red' if problems else 'green'}]{summary}[/]")
    return 1 if problems else 0
