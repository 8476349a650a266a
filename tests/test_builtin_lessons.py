"""Tests that the built-in lessons are sound: lint clean, en and zh everywhere, and `check` passes."""

from __future__ import annotations

import json

import pytest
from cli_support import tutor

from tutor.lessons.loader import load_catalog
from tutor.lessons.model import LANGUAGES, has_lang
from tutor.paths import builtin_lessons_dir

SYLLABUS = [
    "setup",
    "tensors",
    "item",
    "indexing",
    "arithmetic",
    "broadcasting",
    "linalg",
    "dim",
    "autograd",
    "softmax-ce",
    "polyloss",
    "fcn-mnist",
    "cnn",
    "data",
    "training-loop",
    "saving",
    "devices",
    "shapes",
    "dtypes",
    "ddp",
    "puzzles",
]


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(user=False, env=False)


def test_every_syllabus_lesson_is_built_in_and_loads(catalog):
    assert not catalog.errors, [e.message for e in catalog.errors]
    assert [loaded.lesson.id for loaded in catalog.lessons] == SYLLABUS


def test_every_text_has_english_and_chinese(catalog):
    missing = [
        f"{loaded.lesson.id}: {where} lacks {lang}"
        for loaded in catalog.lessons
        for where, text in loaded.lesson.texts()
        for lang in LANGUAGES
        if not has_lang(text, lang)
    ]
    assert missing == []


def test_lessons_after_setup_have_two_exercises_with_hints(catalog):
    for loaded in catalog.lessons[1:]:
        exercises = [step for step in loaded.lesson.steps if step.is_exercise]
        assert len(exercises) >= 2, loaded.lesson.id
        assert all(len(step.hints) >= 2 for step in exercises), loaded.lesson.id


def test_lint_is_clean(tmp_path):
    done = tutor(tmp_path, "lint", str(builtin_lessons_dir()))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 error(s), 0 warning(s)" in done.stdout


@pytest.mark.slow
def test_check_passes_every_builtin_lesson(tmp_path):
    """Every demo output matches, every solution passes and every starter fails, on this machine."""
    done = tutor(tmp_path, "check", "--json", str(builtin_lessons_dir()), timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    summary = rows[-1]["summary"]
    assert summary.get("failed") == 0, summary
    assert summary.get("passed", 0) >= 100, summary
