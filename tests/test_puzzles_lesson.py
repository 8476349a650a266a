"""The built-in Tensor puzzles lesson: its rules are the check helpers', and `check` proves it."""

from __future__ import annotations

import json

import pytest
from cli_support import tutor

from tutor.lessons.loader import load_file
from tutor.paths import builtin_lessons_dir

PUZZLES = builtin_lessons_dir() / "20-puzzles.toml"


def test_the_puzzles_lesson_is_a_chapter_of_its_own_with_twelve_judged_puzzles():
    lesson = load_file(PUZZLES).lesson
    assert lesson.id == "puzzles" and lesson.order == 20
    assert lesson.chapter.en == "Tensor puzzles" and lesson.chapter.zh
    puzzles = [step for step in lesson.steps if step.is_exercise]
    assert len(puzzles) >= 12
    for step in puzzles:
        assert len(step.wrong) >= 2, step.title
        assert len(step.hints) >= 2, step.title
    # The shared rules live in the hidden setup, so each check is one call.
    assert "uses_only(" in lesson.setup and "random_cases(" in lesson.setup
    assert "max_lines(" in lesson.setup


@pytest.mark.slow
def test_check_proves_every_puzzle_its_starter_and_wrong_answers(tmp_path):
    done = tutor(tmp_path, "check", "--json", str(PUZZLES), timeout=600)
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    wrong = [r for r in rows if r.get("role") == "wrong"]
    assert len(wrong) >= 24 and all(r["passed"] for r in wrong)
    # Each wrong answer fails by an assertion of the rules or of the result, never by a bug.
    assert all("fails its check, as it should (check failed: " in r["reason"] for r in wrong)
    assert any("which is not allowed here" in r["reason"] for r in wrong)
    assert any("case 1 of 30" in r["reason"] for r in wrong)
