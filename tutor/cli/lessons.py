"""Provides `torch-tutor lessons`: the lessons found in every folder, and the files that failed to load."""

from __future__ import annotations

import argparse
import json

from tutor import paths
from tutor.cli.common import add_lang, add_lessons, console, escape, load_catalog_for


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "lessons",
        help="list the lessons and any load errors",
        description="List every lesson (built-in, user folder, TORCH_TUTOR_LESSONS, --lessons) with "
        "its id, chapter, title, step count and file, then every file that failed to load. "
        "Exit code 1 when any file has a problem or no lesson is found.",
    )
    add_lang(parser)
    add_lessons(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    from rich.cells import cell_len
    from rich.table import Table

    from tutor.lessons.model import tr

    lang = args.lang
    catalog = load_catalog_for(args)
    if args.json:
        print(
            json.dumps(
                {
                    "lessons": [
                        {
                            "id": item.lesson.id,
                            "chapter": tr(item.lesson.chapter, lang),
                            "title": tr(item.lesson.title, lang),
                            "order": item.lesson.order,
                            "steps": len(item.lesson.steps),
                            "requires": item.lesson.requires,
                            "source": item.source,
                            "path": str(item.path),
                        }
                        for item in catalog.lessons
                    ],
                    "errors": [
                        {"path": str(e.path), "message": e.message, "loaded": e.loaded}
                        for e in catalog.errors
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 1 if catalog.errors or not catalog.lessons else 0

    out = console()
    table = Table(title=f"{len(catalog.lessons)} lessons", title_justify="left")
    # Ids and file names are what the learner types or looks for: they never wrap. A chapter is a
    # heading row above its lessons rather than a column, so the titles keep room at 80 columns.
    # (min_width: Rich narrows even a no_wrap column when the terminal is too narrow for all.)
    widest = max((len(item.lesson.id) for item in catalog.lessons), default=2)
    longest = max((cell_len(item.path.name) for item in catalog.lessons), default=4)
    # Borders and padding take 13 columns; a title needs about 12 to stay readable. Narrower than
    # that, the file names go (--json has them) rather than the titles.
    files = out.width >= widest + 12 + len("steps") + longest + 13
    table.add_column("id", style="bold cyan", no_wrap=True, min_width=widest)
    table.add_column("title", overflow="fold")
    table.add_column("steps", justify="right", no_wrap=True)
    if files:
        table.add_column("file", style="dim", no_wrap=True, min_width=longest)
    chapter = None
    for item in catalog.lessons:
        if tr(item.lesson.chapter, lang) != chapter:
            if chapter is not None:
                table.add_section()
            chapter = tr(item.lesson.chapter, lang)
            table.add_row("", f"[bold underline]{escape(chapter)}[/]", "", *[""] * files)
        table.add_row(
            escape(item.lesson.id),
            escape(tr(item.lesson.title, lang)),
            str(len(item.lesson.steps)),
            *[escape(item.path.name)] * files,
        )
    out.print(table)
    if not files:
        out.print("[dim](file names left out: the terminal is too narrow; --json has them)[/]")
    # Folders once, below the table, so the table stays narrow enough for 80 columns.
    folders = dict.fromkeys((item.source, item.path.parent) for item in catalog.lessons)
    for source, folder in folders:
        out.print(f"[dim]{source} lessons:[/] {escape(folder)}")
    # A folder whose every file failed (or was skipped as a duplicate) is still a place we read.
    listed = {folder for _source, folder in folders}
    for folder in dict.fromkeys(e.path.parent for e in catalog.errors if e.path.suffix == ".toml"):
        if folder not in listed:
            out.print(f"[dim]lessons (none loaded, see below):[/] {escape(folder)}")
    if not catalog.lessons:
        # There are always built-in lessons; none at all means a broken install.
        console(stderr=True).print(
            f"[bold red]no lessons found[/] (built-in folder: {escape(paths.builtin_lessons_dir())})"
        )
        return 1
    if catalog.errors:
        err = console(stderr=True)
        err.print(f"[bold red]{len(catalog.errors)} problem(s) loading lessons:[/]")
        for e in catalog.errors:
            err.print(f"  [red]✗[/] {escape(e)}")
        return 1
    return 0
