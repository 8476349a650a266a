"""The checks example in docs/lesson-format.md is a real lesson that `torch-tutor check` passes."""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import tutor

DOC = Path(__file__).parents[1] / "docs" / "lesson-format.md"


def checks_example() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text.split("<!-- checks-example -->\n```toml\n", 1)[1].split("```", 1)[0]


def test_the_documented_checks_example_passes_check(tmp_path):
    lesson = tmp_path / "doc-checks.toml"
    lesson.write_text(checks_example(), encoding="utf-8")
    done = tutor(tmp_path, "check", str(lesson), "--json")
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 0, done.stdout + done.stderr
    steps = [(r["step"], r["role"], r["wrong"], r["passed"]) for r in rows if "lesson" in r]
    assert steps == [
        (0, "starter", None, True),
        (0, "wrong", 1, True),
        (0, "wrong", 2, True),
        (0, "wrong", 3, True),
        (0, "solution", None, True),
        (1, "starter", None, True),
        (1, "wrong", 1, True),
        (1, "solution", None, True),
    ]
    reasons = [r["reason"] for r in rows if r.get("wrong") == 3]
    assert "rev uses `.flip`, which is not allowed here" in reasons[0]
