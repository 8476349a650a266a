"""Provides the `torch-tutor` entry point: argparse dispatch to the app or to a command module."""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from collections.abc import Sequence
from types import ModuleType

from tutor import __version__
from tutor.cli.common import add_device, add_lang, add_lessons, merge_lessons

# Each lives in tutor/cli/<name>.py with add_parser(subparsers) and run(args) -> int.
COMMANDS = (
    "lessons",
    "lint",
    "check",
    "record",
    "new",
    "doctor",
    "progress",
    "train",
    "data",
    "run",
)
# Top-level options that take a value, so a value is never mistaken for a lesson id or command.
_VALUE_OPTIONS = ("--lang", "--lessons", "--device")

USAGE = """torch-tutor [LESSON_ID] [--lang {en,zh}] [--lessons DIR]... [--only] [--device DEV] [--stable]
       torch-tutor COMMAND [options]   (torch-tutor COMMAND --help for each)"""


class _Broken:
    """Stands in for a command module that failed to import, and says why when it is run."""

    def __init__(self, name: str, error: BaseException) -> None:
        self.name, self.error = name, error

    def add_parser(self, subparsers) -> None:
        subparsers.add_parser(self.name, help=f"(unavailable: {self.error})")

    def run(self, args: argparse.Namespace) -> int:
        print(
            f"torch-tutor {self.name}: this command failed to load: {self.error!r}", file=sys.stderr
        )
        return 1


def _command_modules() -> list[tuple[str, ModuleType | _Broken]]:
    found: list[tuple[str, ModuleType | _Broken]] = []
    for name in COMMANDS:
        try:
            found.append((name, importlib.import_module(f"tutor.cli.{name}")))
        except Exception as exc:  # a bug in one command must not take the whole CLI down
            found.append((name, _Broken(name, exc)))
    return found


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, ModuleType | _Broken]]:
    parser = argparse.ArgumentParser(
        prog="torch-tutor",
        usage=USAGE,
        description="A terminal tutor for learning PyTorch. With no command it opens the lessons "
        "(or LESSON_ID directly).",
    )
    parser.add_argument("--version", action="version", version=f"torch-tutor {__version__}")
    add_lang(parser, top=True)
    add_lessons(parser, top=True)
    parser.add_argument(
        "--only",
        action="store_true",
        help="the app loads only the --lessons folders (not the built-in, user or "
        "TORCH_TUTOR_LESSONS ones): to try your own lessons alone",
    )
    add_device(parser, top=True)
    parser.add_argument(
        "--stable",
        action="store_true",
        help="the app hides timings and machine details (for screenshots and tests)",
    )
    subparsers = parser.add_subparsers(
        dest="command", title="commands", metavar="COMMAND", prog="torch-tutor"
    )
    handlers: dict[str, ModuleType | _Broken] = {}
    for _name, module in _command_modules():
        before = set(subparsers.choices)
        try:
            module.add_parser(subparsers)
        except Exception as exc:
            module = _Broken(_name, exc)
            if _name not in subparsers.choices:
                module.add_parser(subparsers)
        for added in set(subparsers.choices) - before:
            handlers[added] = module
    return parser, handlers


def _split_lesson_id(argv: list[str], commands: Sequence[str]) -> tuple[list[str], str | None]:
    """Take a leading LESSON_ID out of argv unless the first positional word is a command."""
    skip = False
    for i, token in enumerate(argv):
        if skip:
            skip = False
            continue
        if token == "--":
            return argv, None
        if token.startswith("-"):
            skip = token in _VALUE_OPTIONS
            continue
        if token in commands:
            return argv, None
        return argv[:i] + argv[i + 1 :], token
    return argv, None


def _launch(args: argparse.Namespace, lesson_id: str | None) -> int:
    catalog = None  # loaded here to check a lesson id or for --only; the app then reuses it
    if lesson_id is not None or args.only:
        from tutor.lessons.loader import load_catalog

        others = not args.only
        catalog = load_catalog(args.lessons, builtin=others, user=others, env=others)
        if lesson_id is not None and catalog.get(lesson_id) is None:
            print(
                f"torch-tutor: '{lesson_id}' is neither a command nor a lesson id.\n"
                f"  commands: {', '.join(COMMANDS)}\n  lessons: {', '.join(catalog.ids()) or '(none)'}",
                file=sys.stderr,
            )
            return 1
    from tutor.app import launch

    result = launch(
        lesson_id,
        lang=args.lang,
        extra_dirs=list(args.lessons),
        device=args.device,
        catalog=catalog,
        stable=args.stable,
    )
    return int(result or 0)


def main(argv: Sequence[str] | None = None) -> int:
    # First thing: a closed terminal or a kill during start-up must end us and what we start.
    from tutor.exit_signals import install

    install()
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, handlers = build_parser()
    argv, lesson_id = _split_lesson_id(argv, list(handlers))
    args = parser.parse_args(argv)
    merge_lessons(args)
    if args.command is None:
        return _launch(args, lesson_id)
    if threading.current_thread() is threading.main_thread():
        # Commands keep Ctrl-C as KeyboardInterrupt (it interrupts the running cell first).
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return int(handlers[args.command].run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
