"""Provides what the CLI commands share: common options, the Rich consoles and catalog loading."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

# One naming of steps for every command (re-exported: runner and record import it from here).
from tutor.lessons.places import step_name as step_name

if TYPE_CHECKING:  # rich and the loader are imported by commands when they run, not at CLI start
    from rich.console import Console

    from tutor.lessons.loader import Catalog

LANGS = ("en", "zh")

# --lang, --lessons and --device may come before or after the command. The top-level parser
# (top=True) holds the default, so args always has them; a command's copy defaults to SUPPRESS
# so that leaving it out never overwrites a value given before the command.


def add_lang(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    # Before a command it is the app's language; a command's own messages stay English.
    what = (
        "language of the app: its interface, lessons and verdicts"
        if top
        else "language of lesson texts, verdicts and explanations (this command's own "
        "messages stay English)"
    )
    parser.add_argument(
        "--lang",
        choices=LANGS,
        default="en" if top else argparse.SUPPRESS,
        help=f"{what} (default: en; zh falls back to en where a lesson text has no zh)",
    )


def add_lessons(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    # A command's copy appends to its own list (argparse would otherwise replace the folders given
    # before the command with those given after it); merge_lessons joins the two.
    parser.add_argument(
        "--lessons",
        action="append",
        metavar="DIR",
        type=Path,
        dest="lessons" if top else "command_lessons",
        default=[] if top else argparse.SUPPRESS,
        help="also load lessons from DIR (repeatable; TORCH_TUTOR_LESSONS adds more)",
    )


def merge_lessons(args: argparse.Namespace) -> None:
    """``args.lessons``: every --lessons DIR, before the command and after it."""
    args.lessons = [*args.lessons, *vars(args).pop("command_lessons", [])]


def add_device(
    parser: argparse.ArgumentParser,
    *,
    top: bool = False,
    help: str = "run cells on DEV (cpu, cuda, cuda:1, mps); default: cuda, then mps, then cpu",
) -> None:
    parser.add_argument(
        "--device",
        metavar="DEV",
        default=None if top else argparse.SUPPRESS,
        help=help,
    )


def add_paths(parser: argparse.ArgumentParser) -> None:
    """The PATH arguments of commands that read lesson files (lint, check): see load_catalog_for."""
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="lesson files or folders (default: every lesson folder)",
    )


def console(*, stderr: bool = False) -> Console:
    from rich.console import Console

    # soft_wrap keeps each message on one line, so it can be grepped and copied.
    return Console(stderr=stderr, soft_wrap=True, highlight=False)


def load_catalog_for(args: argparse.Namespace, paths: Sequence[Path] = ()) -> Catalog:
    """Without PATHs: the built-in, user and TORCH_TUTOR_LESSONS folders plus ``--lessons``.

    With PATHs: the same one catalogue the app would load, plus the PATHs and the folders of the
    files named (so a prerequisite in a sibling file resolves), cut down to the PATHs' lessons and
    problems. A PATH's id that another source already defines is an error naming both files, as
    in the app, whichever of the two was found first.
    """
    from tutor.lessons.loader import Catalog as _Catalog
    from tutor.lessons.loader import lesson_files, load_catalog

    extra = list(args.lessons)
    if not paths:
        return load_catalog(extra)
    named: set[Path] = set()
    folders: list[Path] = []
    for location in paths:
        location = Path(location).expanduser()
        if location.is_dir():
            named.update(p.resolve() for p in lesson_files(location))
        elif location.is_file():
            named.add(location.resolve())
            folders.append(location.parent)
    whole = load_catalog([*extra, *folders, *paths])
    mine = _Catalog()
    mine.lessons = [item for item in whole.lessons if item.path.resolve() in named]
    mine.errors = [e for e in whole.errors if _concerns(e, named, paths)]
    return mine


def _concerns(error, named: set[Path], paths: Sequence[Path]) -> bool:
    """Whether a catalogue error is about a named file: its own, or a clash with one of them."""
    if error.path.resolve() in named or error.path in paths:
        return True
    other = getattr(error, "other", None)
    return other is not None and Path(other).resolve() in named


def escape(text: object) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(str(text))
