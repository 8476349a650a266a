"""lint/check/new on named files see the one catalogue the app loads (issue 15, point 1)."""

from __future__ import annotations

from pathlib import Path

from cli_support import tutor

from tutor.paths import builtin_lessons_dir

GOOD = Path(__file__).parent / "lessons_fixtures" / "good" / "basics.toml"


def lesson(folder: Path, name: str, lesson_id: str, extra: str = "") -> Path:
    text = GOOD.read_text(encoding="utf-8").replace('id = "fixture-basics"', f'id = "{lesson_id}"')
    text = text.replace("order = 900", f"order = 900\n{extra}")
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_new_refuses_an_id_a_built_in_lesson_has(tmp_path):
    done = tutor(tmp_path, "new", "tensors", "--dir", str(tmp_path / "mine"))
    assert done.returncode == 1
    builtin = builtin_lessons_dir() / "01-tensors.toml"
    assert f"the id 'tensors' is taken: {builtin} defines it" in done.stderr.replace("\n", "")
    assert not (tmp_path / "mine" / "tensors.toml").exists()
    assert tutor(tmp_path, "new", "my-tensors", "--dir", str(tmp_path / "mine")).returncode == 0


def test_lint_and_check_of_one_file_report_a_clash_with_a_built_in_id(tmp_path):
    path = lesson(tmp_path, "tensors.toml", "tensors")
    builtin = builtin_lessons_dir() / "01-tensors.toml"
    for command in ("lint", "check"):
        done = tutor(tmp_path, command, str(path))
        assert done.returncode == 1, command
        assert f"duplicate lesson id 'tensors': {builtin} already defines it" in done.stdout, (
            command
        )


def test_a_prerequisite_in_a_sibling_file_resolves_and_a_typo_gets_the_sibling_suggested(tmp_path):
    lesson(tmp_path, "b.toml", "my-basics")
    a = lesson(tmp_path, "a.toml", "my-next", 'requires = ["my-basics", "tensors"]')
    done = tutor(tmp_path, "lint", str(a))
    assert done.returncode == 0, done.stdout
    assert "b.toml" not in done.stdout  # the sibling is read for its id, not linted
    lesson(tmp_path, "a.toml", "my-next", 'requires = ["my-basic"]')
    done = tutor(tmp_path, "lint", str(a))
    assert "unknown prerequisite 'my-basic' (did you mean 'my-basics'?)" in done.stdout


def test_linting_a_built_in_file_by_name_is_not_a_clash_with_itself(tmp_path):
    done = tutor(tmp_path, "lint", str(builtin_lessons_dir() / "01-tensors.toml"))
    assert done.returncode == 0, done.stdout
