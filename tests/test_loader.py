"""Tests for lesson loading: every folder source and every error class, with its message."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tutor.lessons.loader import LessonError, LoadedLesson, load_catalog, load_file
from tutor.lessons.model import TensorExpect, tr

FIXTURES = Path(__file__).parent / "lessons_fixtures"

GOOD = """\
format_version = 1
id = "{id}"
title = "A title"
chapter = "A chapter"
order = {order}
summary = "A summary"
{extra}
[[steps]]
text = "Read this."
"""


def write(folder: Path, name: str, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def good(lesson_id: str = "a", order: int = 1, extra: str = "") -> str:
    return GOOD.format(id=lesson_id, order=order, extra=extra)


pytestmark = pytest.mark.usefixtures("home")  # TORCH_TUTOR_HOME in tmp_path/home (conftest.py)


def only(folder: Path, **kw):
    return load_catalog([folder], builtin=False, user=False, env=False, **kw)


def error_of(tmp_path: Path, text: str | bytes) -> LessonError:
    path = write(tmp_path / "l", "broken.toml", text)
    result = load_file(path)
    assert isinstance(result, LessonError), result
    assert result.path == path
    assert str(result).startswith(f"{path}: ")
    return result


# --- a real lesson ----------------------------------------------------------------------------


def test_fixture_lesson_loads_with_translations():
    result = load_file(FIXTURES / "good" / "basics.toml")
    assert isinstance(result, LoadedLesson)
    lesson = result.lesson
    assert lesson.id == "fixture-basics"
    assert tr(lesson.title, "zh") == "测试课：张量基础"
    assert tr(lesson.title, "en") == "Fixture: tensor basics"
    assert isinstance(lesson.steps[1].expect, TensorExpect)
    assert lesson.steps[4].is_exercise and len(lesson.steps[4].hints) == 2
    assert lesson.steps[5].needs_cuda


# --- each error class, message asserted --------------------------------------------------------


def test_toml_syntax_error_names_line_and_column(tmp_path):
    err = error_of(tmp_path, 'format_version = 1\nid = "a"\ntitle = \n')
    assert (err.line, err.column) == (3, 9)
    assert err.message == "line 3, column 9: TOML syntax error: Invalid value"


def test_missing_field(tmp_path):
    err = error_of(tmp_path, good().replace('title = "A title"\n', ""))
    assert err.place == "title"
    assert err.message == "title: missing required field `title`"
    assert err.lesson_id == "a"


def test_missing_field_in_a_step(tmp_path):
    err = error_of(tmp_path, good() + '\n[[steps]]\ntitle = "no text"\n')
    assert err.message == 'line 11, step 2 "no text", text: missing required field `text`'


def test_unknown_field_lists_what_is_expected(tmp_path):
    text = (
        good()
        + '\n[[steps]]\ntext = "x"\ncode = "1"\n[steps.expect]\nkind = "tensor"\noutpt = "1"\n'
    )
    err = error_of(tmp_path, text)
    assert err.place == "steps[1].expect.outpt"
    assert err.message.startswith(
        "line 16, step 2, expect.outpt: unknown field `outpt` (did you mean `output`?)"
    )
    assert "expected one of: kind, output, rtol, atol, check_device, check_grad_fn" in err.message


def test_unknown_top_level_field(tmp_path):
    err = error_of(tmp_path, good(extra='author = "me"'))
    assert err.message.startswith(
        "line 7, author: unknown field `author`; expected one of: format_version, id,"
    )


def test_wrong_type(tmp_path):
    err = error_of(tmp_path, good().replace("order = 1", 'order = "first"'))
    assert err.message == "line 5, order: wrong type: expected a number, got a string"


def test_wrong_type_for_a_text_field(tmp_path):
    err = error_of(tmp_path, good().replace('title = "A title"', "title = 3"))
    assert err.message == (
        "line 3, title: wrong type: expected a string or a table of translations {en = ..., zh = ...}, "
        "got an integer"
    )


def test_unknown_expectation_kind(tmp_path):
    text = (
        good()
        + '\n[[steps]]\ntext = "x"\ncode = "1"\n[steps.expect]\nkind = "tensr"\noutput = "1"\n'
    )
    err = error_of(tmp_path, text)
    assert err.place == "steps[1].expect.kind"
    assert err.message == (
        "line 15, step 2, expect.kind: unknown expectation kind 'tensr' (did you mean `tensor`?); "
        "expected one of: text, tensor, shape, regex, error, ok"
    )


def test_missing_expectation_kind(tmp_path):
    text = good() + '\n[[steps]]\ntext = "x"\ncode = "1"\nexpect = { output = "1" }\n'
    err = error_of(tmp_path, text)
    assert err.message == (
        "line 14, step 2, expect.kind: missing field `kind`; expected one of: text, tensor, shape, regex, error, ok"
    )


def test_non_utf8_file(tmp_path):
    data = good().encode() + b'\n[[steps]]\ntext = "caf\xe9"\n'
    err = error_of(tmp_path, data)
    line = data.split(b"\n").index(b'text = "caf\xe9"') + 1
    assert (err.line, err.column) == (line, 12)
    assert err.message == (
        f"line {line}, column 12: the file is not UTF-8 (byte 0xe9); expected UTF-8 text, "
        "save the file as UTF-8"
    )


def test_step_rules_from_the_model(tmp_path):
    err = error_of(tmp_path, good() + '\n[[steps]]\ntext = "x"\ncheck = "assert True"\n')
    assert err.message == "line 11, step 2: an exercise (a step with `check`) needs a `solution`"


def test_regex_example_loads_and_must_match_its_pattern(tmp_path):
    step = '\n[[steps]]\ntext = "x"\ncode = "print(1)"\n[steps.expect]\nkind = "regex"\npattern = \'^\\d+$\'\n'
    loaded = load_file(write(tmp_path / "ok", "a.toml", good() + step + 'example = "42"\n'))
    assert isinstance(loaded, LoadedLesson), str(loaded)
    assert loaded.lesson.steps[1].expect.example == "42"
    bare = load_file(write(tmp_path / "bare", "a.toml", good() + step))
    assert isinstance(bare, LoadedLesson) and bare.lesson.steps[1].expect.example is None
    err = error_of(tmp_path, good() + step + 'example = "forty-two"\n')
    assert err.message == (
        "line 14, step 2, expect: `example` does not match `pattern`; expected an output the pattern accepts"
    )


def test_unsupported_format_version(tmp_path):
    err = error_of(tmp_path, good().replace("format_version = 1", "format_version = 2"))
    assert err.message == "line 1, format_version: unsupported format_version 2; expected 1"


def test_missing_format_version(tmp_path):
    err = error_of(tmp_path, good().replace("format_version = 1\n", ""))
    assert err.message == (
        "format_version: missing field `format_version`; every lesson file starts with `format_version = 1`"
    )


def test_bad_id(tmp_path):
    err = error_of(tmp_path, good(lesson_id="Bad Id"))
    assert err.message.startswith("line 2, id: expected an id of lowercase letters, digits")


def test_duplicate_id_across_folders_names_both_files(tmp_path):
    first = write(tmp_path / "one", "x.toml", good("same"))
    second = write(tmp_path / "two", "y.toml", good("same", order=2))
    cat = load_catalog([tmp_path / "one", tmp_path / "two"], builtin=False, user=False, env=False)
    assert [item.path for item in cat.lessons] == [first]
    [err] = cat.errors
    assert err.path == second
    assert err.message == (
        f"id: duplicate lesson id 'same': {first} already defines it; "
        "expected ids unique across all lesson folders (this file is skipped)"
    )


def test_dangling_prerequisite_still_loads(tmp_path):
    write(tmp_path / "l", "a.toml", good("basics"))
    path = write(tmp_path / "l", "b.toml", good("next", 2, extra='requires = ["basics", "basic"]'))
    cat = only(tmp_path / "l")
    assert cat.ids() == ["basics", "next"]
    [err] = cat.errors
    assert err.path == path and err.loaded and err.lesson_id == "next"
    assert err.message == (
        "requires[1]: unknown prerequisite 'basic' (did you mean 'basics'?); "
        "expected the id of a loaded lesson"
    )


def test_prerequisite_resolves_against_known_ids(tmp_path):
    write(tmp_path / "l", "b.toml", good("next", extra='requires = ["tensors"]'))
    assert only(tmp_path / "l", known_ids=["tensors"]).errors == []


# --- a broken file never stops the others -------------------------------------------------------


def test_broken_files_do_not_stop_the_others(tmp_path):
    folder = tmp_path / "l"
    write(folder, "1.toml", good("one", 1))
    write(folder, "2.toml", "this is = = not toml")
    write(folder, "3.toml", b"\xff\xfe")
    write(folder, "4.toml", good("four", 4).replace('title = "A title"', "title = 4"))
    write(folder, "5.toml", good("five", 0))
    cat = only(folder)
    assert cat.ids() == ["five", "one"]  # sorted by order, then id
    assert sorted(e.path.name for e in cat.errors) == ["2.toml", "3.toml", "4.toml"]


def test_sources_and_precedence(tmp_path, monkeypatch):
    from tutor import paths

    user = paths.user_lessons_dir()
    write(user, "u.toml", good("from-user", 2))
    env_a = write(tmp_path / "envA", "e.toml", good("from-env", 3)).parent
    env_b = write(tmp_path / "envB", "f.toml", good("from-env-b", 4)).parent
    monkeypatch.setenv("TORCH_TUTOR_LESSONS", f"{env_a}{os.pathsep}{env_b}")
    extra = write(tmp_path / "extra", "x.toml", good("from-extra", 5)).parent
    write(tmp_path / "extra", "dup.toml", good("from-user", 6))
    cat = load_catalog([extra], builtin=False)
    sources = {item.lesson.id: item.source for item in cat.lessons}
    assert sources == {
        "from-user": "user",
        "from-env": "env",
        "from-env-b": "env",
        "from-extra": "extra",
    }
    [dup] = cat.errors
    assert dup.path.name == "dup.toml" and str(user / "u.toml") in dup.message


def test_missing_extra_folder_is_reported(tmp_path):
    cat = load_catalog([tmp_path / "nope"], builtin=False, user=False, env=False)
    [err] = cat.errors
    assert err.message == "no such file or folder; expected a lesson folder or .toml file"


def test_missing_user_folder_is_fine(tmp_path):
    assert load_catalog(builtin=False).errors == []


def test_a_file_can_be_named_directly(tmp_path):
    path = write(tmp_path, "one.toml", good("one"))
    cat = load_catalog([path, path], builtin=False, user=False, env=False)
    assert cat.ids() == ["one"] and cat.errors == []
    assert cat.get("one").path == path
    assert cat.get("nope") is None


def test_builtin_lessons_load_cleanly():
    cat = load_catalog(user=False, env=False)
    assert cat.errors == [], [str(e) for e in cat.errors]
    assert all(item.source == "builtin" for item in cat.lessons)


def test_the_documented_example_is_a_valid_lesson(tmp_path):
    doc = (Path(__file__).parents[1] / "docs" / "lesson-format.md").read_text(encoding="utf-8")
    example = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    path = write(tmp_path, "example.toml", example)
    result = load_file(path)
    assert isinstance(result, LoadedLesson), str(result)
    from tutor.lessons.lint import lesson_problems

    assert lesson_problems(result.lesson, require_zh=False) == []
    kinds = [type(s.expect).__name__ for s in result.lesson.steps]
    assert kinds == ["NoneType", "TensorExpect", "ErrorExpect", "NoneType", "TensorExpect"]


# --- every error in one run, places as the app names them, TOML hints (issue 15, point 3) -------


def test_every_schema_error_of_a_file_in_one_run(tmp_path):
    from tutor.lessons.loader import load_file_errors

    text = good().replace("order = 1", 'order = "first"', 1) + (
        '\n[[steps]]\ntitle = "Second"\ntext = "x"\ncode = "1"\n[steps.expect]\nkind = "tensr"\n'
        'output = "1"\n\n[[steps]]\ntxt = "y"\n\n[[steps]]\ntext = "z"\ncheck = "assert True"\n'
    )
    path = write(tmp_path / "l", "four.toml", text)
    errors = load_file_errors(path)
    assert isinstance(errors, list)
    lines = text.splitlines()
    step3 = lines.index('txt = "y"') + 1
    assert [e.message.split(":")[0] for e in errors] == [
        "line 5, order",
        'line 16, step 2 "Second", expect.kind',
        f"line {step3}, step 3, txt",
        f"line {step3 - 1}, step 3, text",
        f"line {step3 + 2}, step 4",
    ]
    assert [e.line for e in errors] == [5, 16, step3, step3 - 1, step3 + 2]
    # The catalogue holds them all; load_file still answers with the first.
    assert len(only(tmp_path / "l").errors) == 5
    assert load_file(path).message == errors[0].message


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        (
            'format_version = 1\ntitle = { en = "a",\n  zh = "b" }\n',
            "An inline table { ... } must stay on one line in TOML",
        ),
        (
            'format_version = 1\ncode = "x = a\\d"\n',
            "write \\\\ for one backslash, or use a literal string",
        ),
        ('format_version = 1\n[[steps]\ntext = "a"\n', "A `[` has no matching `]`"),
        ('format_version = 1\nrequires = ["a"\n', "A `[` has no matching `]`"),
    ],
)
def test_toml_syntax_errors_say_what_to_do(tmp_path, text, hint):
    err = error_of(tmp_path, text)
    assert "TOML syntax error" in err.message and hint in err.message


def test_a_code_syntax_error_maps_to_the_files_line_and_column():
    from tutor.lessons.lint import lesson_problems
    from tutor.lessons.model import lesson_from_data
    from tutor.lessons.places import Places

    text = good() + (
        '\n[[steps]]\ntext = "x"\nstarter = ""\nsolution = "y = 1"\ncheck = \'\'\'\n'
        "assert y == 1\nassert (y,\n'''\nhints = [\"h\"]\n"
    )
    import tomllib

    data = tomllib.loads(text)
    problems = lesson_problems(lesson_from_data(data), require_zh=False, places=Places(text, data))
    line = text.splitlines().index("assert (y,") + 1
    [(severity, message)] = problems
    assert severity == "error"
    assert message.startswith(
        f"line {line - 2}, step 2, check: Python syntax error at line 2, "
        f"column 8 (file line {line}, column 8)"
    )
