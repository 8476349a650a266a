"""Tests that the headless core and the CLI entry point import neither torch nor textual (in a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

FORBIDDEN = ("torch", "textual", "torchvision")
FIXTURE = str(Path(__file__).parent / "lessons_fixtures" / "good")

MODULES = [
    "tutor.lessons",
    "tutor.lessons.model",
    "tutor.lessons.loader",
    "tutor.lessons.lint",
    "tutor.lessons.recorder",
    "tutor.compare",
    "tutor.progress",
    "tutor.judge",
    "tutor.interpreter",
    "tutor.interpreter.client",
    "tutor.cli.main",
]


def _loaded_after_import(module: str) -> list[str]:
    code = (
        "import json, sys\n"
        f"import {module}\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_no_torch_or_textual(module):
    assert _loaded_after_import(module) == []


def test_cli_commands_import_no_torch_or_textual_when_the_parser_is_built():
    # Building the parser imports every command module, train and data included.
    code = (
        "import json, sys\n"
        "from tutor.cli.main import build_parser\n"
        "parser, handlers = build_parser()\n"
        f"print(json.dumps([sorted(handlers), sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    commands, loaded = json.loads(done.stdout)
    assert {"lint", "check", "record", "new", "doctor", "progress", "lessons"} <= set(commands)
    assert loaded == []


def test_lint_runs_without_torch_or_textual():
    code = (
        "import json, sys\n"
        "from tutor.cli.main import main\n"
        f"code = main(['lint', {FIXTURE!r}])\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == []
