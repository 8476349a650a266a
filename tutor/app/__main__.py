"""Provides `python -m tutor.app`: the app alone, with options for tests and benchmarks."""

from __future__ import annotations

import argparse
import sys

from tutor import exit_signals
from tutor.app.app import TutorApp
from tutor.lessons.loader import load_catalog


def main(argv: list[str] | None = None) -> int:
    exit_signals.install()  # before anything starts: see tutor.exit_signals
    parser = argparse.ArgumentParser(prog="python -m tutor.app")
    parser.add_argument("lesson", nargs="?", help="open this lesson directly")
    parser.add_argument("--lang", default="en", choices=("en", "zh"))
    parser.add_argument("--lessons", action="append", default=[], metavar="DIR")
    parser.add_argument("--device")
    parser.add_argument("--only", action="store_true",
                        help="only the --lessons folders (no built-in, user or env lessons)")
    parser.add_argument("--stable", action="store_true", help="hide timings and machine details")
    args = parser.parse_args(argv)
    only = args.only
    catalog = load_catalog(args.lessons, builtin=not only, user=not only, env=not only)
    app = TutorApp(catalog, lesson_id=args.lesson, lang=args.lang, device=args.device, stable=args.stable)
    return int(app.run() or app.return_code or 0)


if __name__ == "__main__":
    sys.exit(main())
