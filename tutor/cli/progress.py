"""Provides `torch-tutor progress`: the learner's progress per lesson, and `--reset` to clear it."""

from __future__ import annotations

import argparse

from tutor.cli.common import add_lang, add_lessons, console, escape, load_catalog_for

_ALL = object()


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "progress",
        help="show or reset your progress",
        description="Show completed steps and the last position per lesson, from the progress file "
        "in the user data folder (TORCH_TUTOR_HOME relocates it). --reset clears one lesson, or "
        "everything when no lesson is named.",
    )
    parser.add_argument(
        "--reset",
        nargs="?",
        const=_ALL,
        default=None,
        metavar="LESSON",
        help="clear the progress of LESSON, or of every lesson",
    )
    add_lang(parser)
    add_lessons(parser)


def run(args: argparse.Namespace) -> int:
    from rich.table import Table

    from tutor.lessons.model import tr
    from tutor.progress import ProgressStore

    out, err = console(), console(stderr=True)
    store = ProgressStore.load()
    for warning in store.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}")

    if args.reset is not None:
        lesson_id = None if args.reset is _ALL else args.reset
        had = store.reset(lesson_id)
        if not store.save():
            for warning in store.warnings[-1:]:
                err.print(f"[red]✗[/] {escape(warning)}")
            return 1
        what = "all progress" if lesson_id is None else f"progress of '{lesson_id}'"
        out.print(
            f"[green]✓[/] cleared {escape(what)}"
            if had
            else f"nothing to clear: no {escape(what)} stored"
        )
        return 0

    lang = args.lang
    catalog = load_catalog_for(args)
    ids = [item.lesson.id for item in catalog.lessons] + [
        i for i in store.lesson_ids() if catalog.get(i) is None
    ]
    table = Table(title=f"progress ({store.path})", title_justify="left")
    for name in ("lesson", "title", "done", "at step"):
        table.add_column(name, overflow="fold", no_wrap=name != "title")
    for lesson_id in ids:
        item = catalog.get(lesson_id)
        total = len(item.lesson.steps) if item else None
        done = store.done(lesson_id)
        started = lesson_id in store.lesson_ids()
        finished = total is not None and done >= set(range(total))
        table.add_row(
            escape(lesson_id),
            escape(tr(item.lesson.title, lang)) if item else "[dim](not in any lesson folder)[/]",
            f"{len(done)}/{total if total is not None else '?'}"
            + (" [green]✓[/]" if finished else ""),
            str(store.position(lesson_id) + 1) if started else "-",
        )
    out.print(table)
    last = store.last()
    if last and catalog.get(last[0]):
        out.print(
            f"last: [bold]{escape(last[0])}[/], step {last[1] + 1} "
            f"([dim]torch-tutor {escape(last[0])}[/] to continue)"
        )
    elif not last:
        out.print("no progress yet: run [bold]torch-tutor[/] to start")
    return 0
