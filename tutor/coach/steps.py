"""Provides step_names(): which earlier step of a lesson defines each name (for NameError help)."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Any

from tutor.lessons.model import tr


def defined_names(code: str) -> set[str]:
    """Names a cell binds at its top level: assignments, imports, defs, classes, for targets."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.With)):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    names.add(sub.id)
    return names


def step_names(steps: Sequence[Any], upto: int, lang: str = "en") -> dict[str, tuple[int, str]]:
    """{name: (step number from 1, step title)} for the steps before ``upto``; the latest wins."""
    found: dict[str, tuple[int, str]] = {}
    for index, step in enumerate(steps[:upto]):
        code = (step.solution if step.is_exercise else step.code) or ""
        title = tr(step.title, lang) if step.title is not None else ""
        for name in defined_names(code):
            found[name] = (index + 1, title)
    return found
