"""Tests for the CLI commands that do not run cells: help, version, lessons, lint, new, progress."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tutor import __version__
from tutor.cli.main import COMMANDS, main

FIXTURES = Path(__file__).parent / "lessons_fixtures"
GOOD = FIXTURES / "good"
WRONG = FIXTURES / "wrong"


@pytest.fixture(autouse=True)
def isolated(home, monkeypatch):
    """A home in tmp_path/home (conftest.py) and wide tables."""
    monkeypatch.setenv("COLUMNS", "200")  # Rich tables fold less, so asserts see whole cells


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- entry points, version, help ---------------------------------------------------------------


def test_version_from_the_console_script_and_python_m():
    script = Path(sys.executable).with_name("torch-tutor")
    for argv in ([str(script)], [sys.executable, "-m", "tutor"]):
        done = subprocess.run([*argv, "--version"], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"torch-tutor {__version__}"


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_on_every_command(capsys, command):
    with pytest.raises(SystemExit) as stop:
        main(["--help"] if command is None else [command, "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: torch-tutor")
    if command is None:
        for name in COMMANDS:
            assert f"    {name} " in out  # every command is listed with its help line
        assert "unavailable" not in out
    else:
        assert f"torch-tutor {command}" in out


def test_unknown_command_or_lesson_is_exit_1(capsys):
    code, _out, err = cli(capsys, "lnit")
    assert code == 1
    assert "'lnit' is neither a command nor a lesson id" in err
    assert "lint" in err


def test_bad_option_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["lint", "--no-such-option"])
    assert stop.value.code == 2


# --- lessons ------------------------------------------------------------------------------------


def test_lessons_lists_id_chapter_title_steps_and_file(capsys):
    code, out, err = cli(capsys, "lessons", "--lessons", str(GOOD))
    assert "fixture-basics" in out and "Fixtures" in out and "Fixture: tensor basics" in out
    assert "basics.toml" in out and f"extra lessons: {GOOD}" in out
    row = next(line for line in out.splitlines() if "fixture-basics" in line)
    assert "│     6 │" in row  # six steps
    assert code == (1 if err else 0)


def test_lessons_in_chinese_and_as_json(capsys):
    code, out, _ = cli(capsys, "lessons", "--lessons", str(GOOD), "--lang", "zh", "--json")
    data = json.loads(out)
    mine = next(item for item in data["lessons"] if item["id"] == "fixture-basics")
    assert mine == {
        "id": "fixture-basics",
        "chapter": "测试",
        "title": "测试课：张量基础",
        "order": 900.0,
        "steps": 6,
        "requires": [],
        "source": "extra",
        "path": str(GOOD / "basics.toml"),
    }
    assert code == (1 if data["errors"] else 0)


def test_lessons_shows_load_errors_and_exits_1(capsys, tmp_path):
    (tmp_path / "bad.toml").write_text("format_version = 1\nid = \n")
    code, _out, err = cli(capsys, "lessons", "--lessons", str(tmp_path))
    assert code == 1
    assert f"✗ {tmp_path / 'bad.toml'}: line 2, column 6: TOML syntax error: Invalid value" in err


def test_lessons_folders_before_and_after_the_command_all_load(capsys, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    text = (GOOD / "basics.toml").read_text(encoding="utf-8")
    (other / "second.toml").write_text(
        text.replace('id = "fixture-basics"', 'id = "fixture-second"'), encoding="utf-8"
    )
    _code, out, _ = cli(
        capsys, "--lessons", str(GOOD), "lessons", "--lessons", str(other), "--json"
    )
    ids = {item["id"] for item in json.loads(out)["lessons"]}
    assert {"fixture-basics", "fixture-second"} <= ids


def test_env_variable_adds_a_folder(capsys, monkeypatch):
    monkeypatch.setenv("TORCH_TUTOR_LESSONS", str(GOOD))
    _code, out, _ = cli(capsys, "lessons", "--json")
    mine = next(item for item in json.loads(out)["lessons"] if item["id"] == "fixture-basics")
    assert mine["source"] == "env"


# --- lint ---------------------------------------------------------------------------------------


def test_lint_clean_fixture(capsys):
    code, out, _ = cli(capsys, "lint", str(GOOD), "--require-zh")
    assert code == 0, out
    assert f"✓ {GOOD / 'basics.toml'} (fixture-basics, 6 steps)" in out
    assert "1 lesson(s), 1 file(s): 0 error(s), 0 warning(s)" in out


def test_lint_reports_every_broken_file_and_exits_1(capsys, tmp_path):
    text = (GOOD / "basics.toml").read_text().replace('kind = "tensor"', 'kind = "tensr"')
    (tmp_path / "a.toml").write_text(text.replace("order = 900", 'order = "late"'))
    (tmp_path / "b.toml").write_bytes(b"title = \xff\n")
    code, out, _ = cli(capsys, "lint", str(tmp_path))
    assert code == 1
    assert f"✗ {tmp_path / 'a.toml'}" in out
    # Every error of a file in one run, each step named as the app names it, with its line.
    assert (
        'error line 22, step 2 "arange and reshape", expect.kind: unknown expectation kind '
        "'tensr'"
    ) in out
    assert "error line 6, order: wrong type: expected a number, got a string" in out
    assert f"✗ {tmp_path / 'b.toml'}" in out
    assert "error line 1, column 9: the file is not UTF-8 (byte 0xff)" in out
    assert "0 lesson(s), 2 file(s): 3 error(s), 0 warning(s)" in out


def test_lint_requires_zh_only_when_asked_or_built_in(capsys, tmp_path, monkeypatch):
    code, out, _ = cli(capsys, "lint", str(WRONG))
    assert code == 0, out  # an English-only user lesson is fine
    code, out, _ = cli(capsys, "lint", str(WRONG), "--require-zh")
    assert code == 1
    assert "error line 4, title: no zh text; expected en and zh" in out
    assert "error line 22, step 2, hints[0]: no zh text" in out
    # The same file inside the built-in folder needs zh without being asked.
    builtin = tmp_path / "builtin"
    builtin.mkdir()
    (builtin / "w.toml").write_text((WRONG / "wrong.toml").read_text())
    monkeypatch.setattr("tutor.paths.builtin_lessons_dir", lambda: builtin)
    code, out, _ = cli(capsys, "lint", str(builtin))
    assert code == 1 and "error line 7, summary: no zh text" in out


def test_lint_warns_on_exercise_without_hints_and_bad_python(capsys, tmp_path):
    text = (GOOD / "basics.toml").read_text()
    text = text.replace("hints = [", "old_hints = [", 1)
    start = text.index("old_hints = [")
    text = text[:start] + text[text.index("]\n", start) + 2 :]
    text = text.replace("y = torch.full((3, 4), 7.0)", "y = torch.full((3, 4), 7.0")
    text = text.replace('match = "cannot be converted to Scalar"', 'match = "cannot (be"')
    (tmp_path / "l.toml").write_text(text)
    code, out, _ = cli(capsys, "lint", str(tmp_path / "l.toml"))
    assert code == 1
    assert (
        'warning line 53, step 5 "Exercise: sevens", hints: an exercise without hints; '
        "expected at least one hint"
    ) in out
    # A code string's syntax error at its place in the code and in the file.
    assert (
        'error line 59, step 5 "Exercise: sevens", solution: Python syntax error at line 1, '
        "column 15 (file line 60, column 15): '(' was never closed"
    ) in out
    assert (
        'error line 51, step 4 "item() needs one element", expect.match: invalid regular '
        "expression: missing ), unterminated subpattern"
    ) in out


def test_lint_accepts_a_demo_that_shows_a_syntax_error(capsys, tmp_path):
    text = (GOOD / "basics.toml").read_text().replace('code = "x.item()"', 'code = "x[,1]"')
    text = text.replace('type = "RuntimeError"', 'type = "SyntaxError"')
    (tmp_path / "l.toml").write_text(text)
    code, out, _ = cli(capsys, "lint", str(tmp_path))
    assert code == 0, out


def test_lint_resolves_prerequisites_against_installed_lessons(capsys, tmp_path):
    from tutor.lessons.loader import load_catalog

    installed = load_catalog(user=False, env=False).ids()
    assert installed, "the built-in lessons are missing"
    text = (
        (GOOD / "basics.toml")
        .read_text()
        .replace("order = 900", f'order = 900\nrequires = ["{installed[0]}"]')
    )
    (tmp_path / "l.toml").write_text(text)
    code, out, _ = cli(capsys, "lint", str(tmp_path))
    assert code == 0, out


def test_lint_of_nothing_is_exit_1(capsys, tmp_path):
    code, out, _ = cli(capsys, "lint", str(tmp_path))
    assert code == 1 and "no lesson files found" in out


# --- new ----------------------------------------------------------------------------------------


def test_new_writes_a_commented_skeleton_that_lint_asks_to_translate(capsys, tmp_path):
    code, out, _ = cli(capsys, "new", "my-lesson", "--dir", str(tmp_path))
    assert code == 0
    path = tmp_path / "my-lesson.toml"
    assert f"wrote {path}" in out
    text = path.read_text()
    assert text.count("\n#") >= 10  # commented for authors
    assert 'id = "my-lesson"' in text
    code, out, _ = cli(capsys, "lint", str(path), "--require-zh")
    # The skeleton's zh placeholders are not translations: lint says so until they are replaced.
    assert code == 1, out
    assert "0 error(s), 1 warning(s)" in out
    assert "title: the zh text still has the skeleton's placeholder （请翻译）" in out
    translated = text.replace("（请翻译）", "（译文）")
    path.write_text(translated, encoding="utf-8")
    code, out, _ = cli(capsys, "lint", str(path), "--require-zh")
    assert code == 0, out


def test_lint_warns_about_a_regex_without_an_example(capsys, tmp_path):
    text = (GOOD / "basics.toml").read_text() + (
        '\n[[steps]]\ntext = "r"\ncode = "print(42)"\n\n[steps.expect]\nkind = "regex"\n'
        "pattern = '^\\d+$'\n"
    )
    (tmp_path / "r.toml").write_text(text, encoding="utf-8")
    code, out, _ = cli(capsys, "lint", str(tmp_path / "r.toml"))
    assert code == 1
    assert "step 7, expect: a regex expectation without `example`" in out


def test_new_never_overwrites_without_force(capsys, tmp_path):
    path = tmp_path / "x.toml"
    path.write_text("mine")
    code, _out, err = cli(capsys, "new", "x", "--dir", str(tmp_path))
    assert code == 1 and "already exists" in err and path.read_text() == "mine"
    assert cli(capsys, "new", "x", "--dir", str(tmp_path), "--force")[0] == 0
    assert path.read_text() != "mine"


def test_new_rejects_a_bad_id(capsys, tmp_path):
    code, _out, err = cli(capsys, "new", "My Lesson", "--dir", str(tmp_path))
    assert code == 1 and "invalid id 'My Lesson'" in err
    assert list(tmp_path.iterdir()) == []


# --- progress -----------------------------------------------------------------------------------


def test_progress_show_and_reset(capsys):
    from tutor.progress import ProgressStore

    store = ProgressStore.load()
    store.mark_done("fixture-basics", 0)
    store.mark_done("fixture-basics", 1)
    store.set_position("fixture-basics", 2)
    store.mark_done("other", 0)
    assert store.save()

    code, out, _ = cli(capsys, "progress", "--lessons", str(GOOD))
    assert code == 0
    row = next(line for line in out.splitlines() if "fixture-basics" in line)
    assert "Fixture: tensor basics" in row and "2/6" in row and "│ 3 " in row
    assert "(not in any lesson folder)" in out  # "other" is kept and shown, not dropped

    code, out, _ = cli(capsys, "progress", "--reset", "fixture-basics")
    assert code == 0 and "cleared progress of 'fixture-basics'" in out
    assert ProgressStore.load().done("fixture-basics") == set()
    assert ProgressStore.load().done("other") == {0}
    code, out, _ = cli(capsys, "progress", "--reset")
    assert code == 0 and "cleared all progress" in out
    assert ProgressStore.load().lesson_ids() == []


def test_progress_with_a_corrupt_file_warns_and_goes_on(capsys):
    from tutor import paths

    paths.progress_file().parent.mkdir(parents=True)
    paths.progress_file().write_text("{oops")
    code, out, err = cli(capsys, "progress")
    assert code == 0
    assert "warning:" in err and "moved it to" in err
    assert "no progress yet" in out


# --- the app launcher ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], (None, "en", [], None)),
        (["fixture-basics", "--lessons", str(GOOD)], ("fixture-basics", "en", [GOOD], None)),
        (
            ["--lang", "zh", "--device", "cpu", "--lessons", str(GOOD), "fixture-basics"],
            ("fixture-basics", "zh", [GOOD], "cpu"),
        ),
    ],
)
def test_no_command_starts_the_app_with_the_options(monkeypatch, argv, expected):
    # Only the hand-over is replaced here: the app itself is tested by its own Pilot tests.
    import tutor.app

    seen = []
    monkeypatch.setattr(
        tutor.app, "launch", lambda lesson_id, **kw: seen.append((lesson_id, kw)) or 0
    )
    assert main(argv) == 0
    lesson_id, kw = seen[0]
    assert (lesson_id, kw["lang"], kw["extra_dirs"], kw["device"]) == expected


def test_only_and_stable_reach_the_app(monkeypatch):
    # What `python -m tutor.app --only --stable` did before it was folded into the CLI.
    import tutor.app

    seen = []
    monkeypatch.setattr(
        tutor.app, "launch", lambda lesson_id, **kw: seen.append((lesson_id, kw)) or 0
    )
    assert main(["fixture-basics", "--lessons", str(GOOD), "--only", "--stable"]) == 0
    lesson_id, kw = seen[0]
    assert lesson_id == "fixture-basics" and kw["stable"] is True
    assert kw["catalog"].ids() == ["fixture-basics"]  # no built-in, user or env lessons
    assert main(["--lessons", str(GOOD)]) == 0
    assert seen[1][1]["stable"] is False and seen[1][1]["catalog"] is None  # the app loads them all


def test_lessons_with_no_lessons_at_all_is_exit_1(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr("tutor.paths.builtin_lessons_dir", lambda: tmp_path / "empty")
    code, _out, err = cli(capsys, "lessons")
    assert code == 1 and "no lessons found" in err


def test_lessons_lists_a_folder_whose_only_file_was_skipped(capsys, tmp_path):
    clash = tmp_path / "clash"
    clash.mkdir()
    (clash / "t.toml").write_text(
        (GOOD / "basics.toml").read_text().replace('id = "fixture-basics"', 'id = "tensors"'),
        encoding="utf-8",
    )
    code, out, err = cli(capsys, "lessons", "--lessons", str(clash))
    assert code == 1
    assert f"lessons (none loaded, see below): {clash}" in out
    assert "duplicate lesson id 'tensors'" in err


def test_lessons_table_never_splits_an_id_on_a_narrow_terminal(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "45")
    code, out, _ = cli(capsys, "lessons")
    assert "│ broadcasting" in out and "│ softmax-ce" in out  # whole, on one line each
