"""Provides `torch-tutor new ID`: a commented lesson skeleton that passes check (lint: translate it)."""

from __future__ import annotations

import argparse
from pathlib import Path

from tutor.cli.common import console, escape

SKELETON = '''\
# A torch-tutor lesson (format v1). The full reference is docs/lesson-format.md.
# Lint it with:   torch-tutor lint {file}
# Run it with:    torch-tutor check {file}
# Try it with:    torch-tutor {id} --lessons {folder}
format_version = 1

# The id: lowercase letters, digits, '-', '_' and '.'; unique across every lesson folder.
id = "{id}"

# Text fields are either a plain string (English only) or a table with en (required) and zh.
title = {{ en = "{title}", zh = "{title}（请翻译）" }}
chapter = {{ en = "My lessons", zh = "我的课程" }}
# Lessons are listed by order, then id. The built-in lessons use 0 to 12.
order = 100
summary = {{ en = "One sentence on what the learner will be able to do.", zh = "一句话说明学完能做什么。" }}
# Ids of lessons to take first (optional).
requires = []

# Steps run in order in one namespace per lesson, like notebook cells. A fresh namespace has
# `torch`, `device` and `show`; every cell is seeded with torch.manual_seed(0).

[[steps]]
title = {{ en = "A demo", zh = "演示" }}
# Markdown. Say why, not only what.
text = {{ en = "`torch.arange(n)` counts from 0 up to n, n excluded.", zh = "`torch.arange(n)` 从 0 数到 n（不含 n）。" }}
# What the output panel shows: stdout, then the repr of a final bare expression.
code = """
x = torch.arange(4)
x
"""

# How the output is judged. Kinds: text, tensor, shape, regex, error, ok.
# `torch-tutor record {file}` fills in `output` from a real run.
[steps.expect]
kind = "tensor"
output = """
tensor([0, 1, 2, 3])
"""

[[steps]]
title = {{ en = "An exercise", zh = "练习" }}
text = {{ en = "Make `y`: the tensor `x` times 2.", zh = "创建 `y`：等于 `x` 乘以 2 的张量。" }}
# What the learner starts from; it must fail the check.
starter = """
y = ...  # your code here
"""
# A reference solution; it must pass the check (`torch-tutor check` proves both).
solution = """
y = x * 2
"""
# Assertions run in the learner's namespace after their code. Judge behaviour, not text,
# so every correct answer passes. An assertion's message is what the learner sees.
check = """
assert isinstance(y, torch.Tensor), "y should be a tensor"
assert y.shape == x.shape, f"y has shape {{tuple(y.shape)}}; expected {{tuple(x.shape)}}"
assert torch.equal(y, x * 2), "y should equal x * 2"
"""
# Shown one at a time, from a nudge to nearly the answer.
hints = [
    {{ en = "Tensors multiply by a number element by element.", zh = "张量乘以一个数时逐元素相乘。" }},
    {{ en = "`x * 2`", zh = "`x * 2`" }},
]
'''


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "new",
        help="write a commented lesson skeleton",
        description="Write ID.toml, a commented lesson skeleton with a demo step and an exercise, "
        "that passes check; lint warns about its zh placeholders until they are translated. "
        "It never overwrites a file unless --force is given.",
    )
    parser.add_argument("id", metavar="ID", help="the new lesson's id, e.g. my-first-lesson")
    parser.add_argument(
        "--dir", type=Path, default=Path("."), help="folder to write into (default: .)"
    )
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")


def skeleton(lesson_id: str, path: Path) -> str:
    title = lesson_id.replace("-", " ").replace("_", " ").capitalize()
    return SKELETON.format(id=lesson_id, title=title, file=path, folder=path.parent)


def _valid_id(lesson_id: str) -> bool:
    """The lesson format's own rule (tutor.lessons.model.LessonId), so `new` never writes an id lint rejects."""
    import msgspec

    from tutor.lessons.model import LessonId

    try:
        msgspec.convert(lesson_id, LessonId)
    except msgspec.ValidationError:
        return False
    return True


def _taken(args: argparse.Namespace, path: Path) -> Path | None:
    """The file that already defines ``args.id`` in the catalogue the app would load (plus the
    target folder), or None. The file being overwritten with --force does not count."""
    from tutor.lessons.loader import load_catalog

    folder = [args.dir] if args.dir.is_dir() else []
    item = load_catalog([*args.lessons, *folder]).get(args.id)
    if item is None or (args.force and item.path.resolve() == path.resolve()):
        return None
    return item.path


def run(args: argparse.Namespace) -> int:
    err = console(stderr=True)
    if not _valid_id(args.id):
        err.print(
            f"[red]✗[/] invalid id {escape(repr(args.id))}: expected lowercase letters, digits, '-', '_' "
            "or '.', starting with a letter or digit (at most 80 characters)"
        )
        return 1
    path = args.dir / f"{args.id}.toml"
    if (taken := _taken(args, path)) is not None:
        err.print(
            f"[red]✗[/] the id {escape(repr(args.id))} is taken: {escape(taken)} defines it, and "
            "lesson ids are unique across every lesson folder; choose another id"
        )
        return 1
    if path.exists() and not args.force:
        err.print(f"[red]✗[/] {escape(path)} already exists; choose another id or pass --force")
        return 1
    try:
        args.dir.mkdir(parents=True, exist_ok=True)
        path.write_text(skeleton(args.id, path), encoding="utf-8")
    except OSError as exc:
        err.print(f"[red]✗[/] cannot write {escape(path)}: {escape(exc.strerror or exc)}")
        return 1
    console().print(
        f"[green]✓[/] wrote {escape(path)}\n  next: edit it, then "
        f"[bold]torch-tutor lint {escape(path)}[/] and [bold]torch-tutor check {escape(path)}[/]"
    )
    return 0
