"""Provides lesson_model(): the nn.Module class a learner wrote in a lesson's cells, as a file `train` can import (no torch here)."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tutor.files import write_atomically

# Lesson cells run in a namespace where torch is already imported; the file gets the same names.
PRELUDE = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


@dataclass(frozen=True)
class LessonModel:
    source: (
        str  # a module: the cells' imports, literal constants, functions and classes, nothing else
    )
    class_name: str  # the model class: ``Net`` if one is defined, else the last nn.Module subclass


def _is_module_class(node: ast.ClassDef) -> bool:
    # By name only (no torch here): torch.nn.Module, nn.Module or Module. The worker checks for real.
    return any(ast.unparse(base).split(".")[-1] == "Module" for base in node.bases)


def _kept(node: ast.stmt) -> str | None:
    """The name a statement defines if it belongs in the file, "" for an import, None to drop it."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return ""
    if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
        return node.name
    if (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
    ):
        try:  # a constant such as HIDDEN = 128; anything computed could have side effects
            ast.literal_eval(node.value)
        except ValueError:
            return None
        return node.targets[0].id
    return None


def lesson_model(cells: Iterable[str]) -> LessonModel:
    """The model class defined in ``cells`` (the lesson's code, in order), without the code that runs things.

    Later definitions replace earlier ones, as they do in the namespace. Cells that do not parse
    are skipped. ValueError says what is missing when no nn.Module subclass is defined.
    """
    imports: dict[str, None] = dict.fromkeys(PRELUDE.splitlines())
    definitions: dict[str, str] = {}  # name → source; re-inserted so the last definition comes last
    classes: list[str] = []
    for cell in cells:
        try:
            tree = ast.parse(cell)
        except SyntaxError:
            continue
        for node in tree.body:
            name = _kept(node)
            if name is None:
                continue
            if name == "":
                imports[ast.unparse(node)] = None
                continue
            definitions.pop(name, None)
            definitions[name] = ast.unparse(node)
            if isinstance(node, ast.ClassDef) and _is_module_class(node):
                classes = [c for c in classes if c != name] + [name]
    classes = [c for c in classes if c in definitions and definitions[c].startswith("class ")]
    if not classes:
        raise ValueError(
            "no nn.Module subclass is defined in this lesson's cells (write `class Net(nn.Module):`)"
        )
    class_name = "Net" if "Net" in classes else classes[-1]
    return LessonModel(
        "\n".join(imports) + "\n\n\n" + "\n\n\n".join(definitions.values()) + "\n", class_name
    )


def write_lesson_model(model: LessonModel, folder: Path, stem: str) -> str:
    """Write the module as ``folder/stem.py`` (atomically) and return the ``path:Class`` spec for TrainConfig."""
    path = folder / f"{stem}.py"
    header = f"# The model class from the lesson {stem!r}, written by torch-tutor for training.\n"
    write_atomically(path, (header + model.source).encode())
    return f"{path}:{model.class_name}"
