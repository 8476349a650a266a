"""Tests for `torch-tutor check`, `record` and `doctor` run as real commands with a real worker."""

from __future__ import annotations

import json
import shutil
import sys
from importlib import metadata
from pathlib import Path

from cli_support import tutor

FIXTURES = Path(__file__).parent / "lessons_fixtures"
GOOD = FIXTURES / "good"
WRONG = FIXTURES / "wrong"


# --- check ----------------------------------------------------------------------------------------


def test_check_passes_a_good_lesson(tmp_path):
    done = tutor(tmp_path, "check", str(GOOD))
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert out.startswith("cells run on ")
    for line in (
        '✓ step 2 "arange and reshape" demo',
        '✓ step 3 "Shape and dtype" demo',
        '✓ step 4 "item() needs one element" demo',
        # Plain output says why the starter failed, so an author sees it fails for the right reason.
        '✓ step 5 "Exercise: sevens" starter: the starter fails its check, as it should '
        "(check failed: y should be a tensor)",
        '✓ step 5 "Exercise: sevens" solution',
    ):
        assert line in out
    assert "1 lesson(s): 5 passed, 0 failed, 1 skipped, 0 load error(s)" in out
    assert "skipped: this step needs CUDA" in out


def test_check_fails_a_wrong_expectation_and_a_weak_check(tmp_path):
    done = tutor(tmp_path, "check", str(WRONG))
    assert done.returncode == 1
    out = done.stdout
    assert "✗ step 1 demo: value differs at [5]: expected 6, got 5" in out
    # Not a terminal: a marker line of ^ under each row, never brackets that read as the tensor's.
    marks = " " * 6 + " " * 2 + " " * len("tensor([0, 1, 2, 3, 4, ") + "^"
    assert f"- tensor([0, 1, 2, 3, 4, 6])\n{marks}\n" in out
    assert f"+ tensor([0, 1, 2, 3, 4, 5])\n{marks}\n" in out
    assert "[[" not in out
    assert "✗ step 2 starter: the starter already passes its check; the check must reject it" in out
    assert "✓ step 2 solution" in out
    assert "✓ step 3 demo" in out  # later steps still run after a failure
    assert "1 lesson(s): 2 passed, 2 failed, 0 skipped, 0 load error(s)" in out


def test_check_json(tmp_path):
    done = tutor(tmp_path, "check", str(GOOD), str(WRONG), "--json")
    assert done.returncode == 1
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert "device" in rows[0]
    steps = [r for r in rows if "lesson" in r]
    assert [(r["lesson"], r["step"], r["role"], r["passed"]) for r in steps] == [
        ("fixture-basics", 1, "demo", True),
        ("fixture-basics", 2, "demo", True),
        ("fixture-basics", 3, "demo", True),
        ("fixture-basics", 4, "starter", True),
        ("fixture-basics", 4, "solution", True),
        ("fixture-basics", 5, "demo", None),
        ("fixture-wrong", 0, "demo", False),
        ("fixture-wrong", 1, "starter", False),
        ("fixture-wrong", 1, "solution", True),
        ("fixture-wrong", 2, "demo", True),
    ]
    assert steps[6]["reason"] == "value differs at [5]: expected 6, got 5"
    marks = " " * len("- tensor([0, 1, 2, 3, 4, ") + "^"
    assert (
        steps[6]["diff"]
        == f"- tensor([0, 1, 2, 3, 4, 6])\n{marks}\n+ tensor([0, 1, 2, 3, 4, 5])\n{marks}"
    )
    summary = rows[-1]["summary"]
    assert (summary["passed"], summary["failed"], summary["skipped"], summary["lessons"]) == (
        7,
        2,
        1,
        2,
    )


def test_check_reports_load_errors_and_goes_on(tmp_path):
    lessons = tmp_path / "lessons"
    shutil.copytree(GOOD, lessons)
    (lessons / "broken.toml").write_text('format_version = 1\nid = "b"\n')
    done = tutor(tmp_path, "check", str(lessons))
    assert done.returncode == 1
    assert f"✗ {lessons / 'broken.toml'}: title: missing required field `title`" in done.stdout
    # Every problem of the broken file at once: its five missing fields.
    for field in ("title", "chapter", "order", "summary", "steps"):
        assert f"broken.toml: {field}: missing required field `{field}`" in done.stdout
    assert "5 passed, 0 failed, 1 skipped, 5 load error(s)" in done.stdout


def test_check_rebuilds_the_namespace_after_a_crash(tmp_path):
    lesson = tmp_path / "crash.toml"
    lesson.write_text(
        'format_version = 1\nid = "crash"\ntitle = "c"\nchapter = "c"\norder = 1\nsummary = "s"\n'
        '[[steps]]\ntext = "a"\ncode = "a = 5"\n'
        '[[steps]]\ntext = "crash"\ncode = "import os; os._exit(3)"\n'
        '[[steps]]\ntext = "a survives as a learner would rerun it"\ncode = "a + 1"\n'
        'expect = { kind = "text", output = "6" }\n'
    )
    done = tutor(tmp_path, "check", str(lesson), "--json")
    steps = [json.loads(line) for line in done.stdout.splitlines() if '"lesson"' in line]
    assert [(r["step"], r["passed"]) for r in steps] == [(0, True), (1, False), (2, True)]
    assert "did not finish: crashed" in steps[1]["reason"]
    assert done.returncode == 1


HEAD = 'format_version = 1\nid = "authored"\ntitle = "t"\nchapter = "c"\norder = 1\nsummary = "s"\n'
DOUBLE = (
    HEAD
    + """
[[steps]]
title = "Double"
text = "double"
starter = "def f(x):\\n    return x\\n"
solution = "def f(x):\\n    return 2 * x\\n"
check = '''
print("f(3) ->", f(3))
assert f(3) == 6, say(en=f"f(3) is {f(3)}", zh=f"f(3) 是 {f(3)}")
'''
wrong = ["def f(x):\\n    return x + 3\\n", "def f(x):\\n    return x * x\\n"]
hints = ["twice"]
"""
)


def test_check_proves_each_wrong_answer_fails_and_reports_one_that_passes(tmp_path):
    lesson = tmp_path / "double.toml"
    lesson.write_text(DOUBLE, encoding="utf-8")
    done = tutor(tmp_path, "check", str(lesson))
    out = done.stdout
    assert done.returncode == 1
    assert '✗ step 1 "Double" wrong 1: wrong answer 1 already passes its check' in out
    assert (
        '✓ step 1 "Double" wrong 2: wrong answer 2 fails its check, as it should '
        "(check failed: f(3) is 9)"
    ) in out
    assert "f(3) ->" not in out  # what a check prints only shows with -v
    done = tutor(tmp_path, "--lang", "zh", "check", "-v", str(lesson), "--json")
    rows = [json.loads(line) for line in done.stdout.splitlines() if '"lesson"' in line]
    assert [(r["name"], r["role"], r["wrong"], r["passed"]) for r in rows] == [
        ('step 1 "Double"', "starter", None, True),
        ('step 1 "Double"', "wrong", 1, False),
        ('step 1 "Double"', "wrong", 2, True),
        ('step 1 "Double"', "solution", None, True),
    ]
    assert (
        rows[2]["reason"] == "wrong answer 2 fails its check, as it should (检查未通过：f(3) 是 9)"
    )
    assert rows[2]["check_output"] == "f(3) -> 9\n"


def test_check_v_shows_what_the_check_printed(tmp_path):
    lesson = tmp_path / "double.toml"
    lesson.write_text(DOUBLE.replace("return x + 3", "return x - 3"), encoding="utf-8")
    done = tutor(tmp_path, "check", "-v", str(lesson))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the check printed:\n      │ f(3) -> 0\n" in done.stdout


def test_a_check_that_raises_anything_but_assertion_error_is_the_authors_bug(tmp_path):
    lesson = tmp_path / "bug.toml"
    lesson.write_text(
        HEAD
        + """
[[steps]]
text = "the starter makes the check stumble over None"
starter = "def g(x):\\n    pass\\n"
solution = "def g(x):\\n    return x + 1\\n"
check = "assert g(1) + 1 == 3, 'g(1) should be 2'"
wrong = ["def g(x):\\n    return x\\n"]
hints = ["h"]
""",
        encoding="utf-8",
    )
    done = tutor(tmp_path, "check", str(lesson))
    assert done.returncode == 1
    assert (
        "✗ step 1 starter: the check raised TypeError: unsupported operand type(s) for +: "
        "'NoneType' and 'int'; a check must reject an answer with a failing assert "
        "(AssertionError), anything else is a bug in the check"
    ) in done.stdout
    assert "✓ step 1 wrong 1: wrong answer 1 fails its check, as it should" in done.stdout


def test_an_error_raised_inside_the_answer_the_check_calls_is_the_answers_failure(tmp_path):
    lesson = tmp_path / "raises.toml"
    lesson.write_text(
        HEAD
        + """
[[steps]]
text = "the starter raises inside its own function"
starter = "def g(x):\\n    raise NotImplementedError('write g')\\n"
solution = "def g(x):\\n    return x + 1\\n"
check = "assert g(1) == 2, 'g(1) should be 2'"
wrong = ["def g(x):\\n    return [x][1]\\n"]
hints = ["h"]
""",
        encoding="utf-8",
    )
    done = tutor(tmp_path, "check", str(lesson))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        "✓ step 1 starter: the starter fails its check, as it should (your code raised "
        "NotImplementedError: write g when the check called it)"
    ) in done.stdout
    assert "(your code raised IndexError: list index out of range when the check called it)" in (
        done.stdout
    )


def test_check_lints_first_and_runs_nothing_with_a_lint_error(tmp_path):
    lesson = tmp_path / "syntax.toml"
    lesson.write_text(
        DOUBLE.replace('print("f(3) ->", f(3))', 'print("f(3) ->", f(3)'), encoding="utf-8"
    )
    done = tutor(tmp_path, "check", str(lesson))
    assert done.returncode == 1
    assert "Python syntax error" in done.stdout
    assert "starter" not in done.stdout  # no step ran
    assert "1 lint error(s) (not run)" in done.stdout


def test_check_only_and_unknown_id(tmp_path):
    done = tutor(tmp_path, "check", str(GOOD), str(WRONG), "--only", "fixture-basics", "--json")
    assert done.returncode == 0
    assert {json.loads(x).get("lesson") for x in done.stdout.splitlines()} - {None} == {
        "fixture-basics"
    }
    done = tutor(tmp_path, "check", str(GOOD), "--only", "nope")
    assert done.returncode == 1 and "no lesson with id nope" in done.stderr


# --- record ---------------------------------------------------------------------------------------


def test_record_fills_outputs_and_keeps_comments(tmp_path):
    path = tmp_path / "basics.toml"
    text = (GOOD / "basics.toml").read_text()
    # Spoil one expected output and drop another expectation entirely.
    text = text.replace("torch.Size([2, 3])\ntorch.int64", "torch.Size([9, 9])\ntorch.int64")
    text = text.replace(
        "\n[steps.expect]\nkind = \"tensor\"\noutput = '''\ntensor([[0, 1, 2],\n        [3, 4, 5]])\n'''\n",
        "\n",
    )
    text = text.replace(
        "# A small real lesson", "# A comment that must survive.\n# A small real lesson"
    )
    path.write_text(text)
    done = tutor(tmp_path, "record", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "added step 2 (tensor)" in done.stdout and "updated step 3 (text)" in done.stdout
    new = path.read_text()
    assert "# A comment that must survive." in new
    assert "torch.Size([2, 3])\ntorch.int64" in new
    assert (
        "[steps.expect]\nkind = \"tensor\"\noutput = '''\ntensor([[0, 1, 2],\n        [3, 4, 5]])\n'''"
        in new
    )
    # The recorded lesson now checks clean.
    assert tutor(tmp_path, "check", str(path)).returncode == 0


def test_record_reports_a_failing_step_and_records_the_rest(tmp_path):
    path = tmp_path / "l.toml"
    path.write_text(
        'format_version = 1\nid = "rec"\ntitle = "r"\nchapter = "c"\norder = 1\nsummary = "s"\n'
        '[[steps]]\ntext = "ok"\ncode = "print(2 + 2)"\n'
        '[[steps]]\ntext = "raises"\ncode = "1 / 0"\n'
        '[[steps]]\ntext = "ok again"\ncode = "torch.zeros(2)"\n'
    )
    done = tutor(tmp_path, "record", str(path))
    assert done.returncode == 1
    assert (
        "step 2: your code raised ZeroDivisionError: division by zero; output not recorded"
        in done.stderr
    )
    data = path.read_text()
    assert 'kind = "text"\noutput = "4"' in data
    assert 'kind = "tensor"\noutput = "tensor([0., 0.])"' in data
    assert data.count("[steps.expect]") == 2


def test_record_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "b.toml"
    text = (GOOD / "basics.toml").read_text().replace("torch.int64\n'''", "torch.int32\n'''")
    path.write_text(text)
    done = tutor(tmp_path, "record", str(path), "--dry-run")
    assert done.returncode == 0 and "1 output(s) would change" in done.stdout
    assert path.read_text() == text


def test_record_keeps_crlf_writes_ok_for_a_silent_cell_and_leaves_shape_alone(tmp_path):
    path = tmp_path / "crlf.toml"
    text = (
        'format_version = 1\nid = "rec-crlf"\ntitle = "r"\nchapter = "c"\norder = 1\nsummary = "s"\n'
        '[[steps]]\ntext = "silent"\ncode = "a = 1"\n'
        '[[steps]]\ntext = "random"\ncode = "torch.rand(2)"\n\n[steps.expect]\nkind = "shape"\n'
        "output = 'tensor([0.1, 0.2])'\n"
        '[[steps]]\ntext = "loud"\ncode = "print(a + 1)"\n'
    ).replace("\n", "\r\n")
    path.write_bytes(text.encode("utf-8"))
    done = tutor(tmp_path, "record", str(path), "--dry-run")
    assert done.returncode == 0, done.stdout + done.stderr
    # A dry run shows the values it would write.
    assert "added step 3 (text)\n      │ 2\n" in done.stdout
    assert path.read_bytes().decode("utf-8") == text
    done = tutor(tmp_path, "record", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    data = path.read_bytes().decode("utf-8")
    assert "\n" not in data.replace("\r\n", "")  # every line still ends in CRLF
    assert '[steps.expect]\r\nkind = "ok"\r\n' in data  # a silent cell: ok, not output = ""
    assert 'output = ""' not in data
    assert "output = 'tensor([0.1, 0.2])'" in data  # shape is the author's unless asked
    assert 'kind = "text"\r\noutput = "2"' in data
    tutor(tmp_path, "record", str(path), "--update", "shape")
    assert "output = 'tensor([0.1, 0.2])'" not in path.read_bytes().decode("utf-8")


def test_record_refuses_a_broken_file(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text("id = \n")
    done = tutor(tmp_path, "record", str(path))
    assert done.returncode == 1 and "TOML syntax error" in done.stderr
    assert path.read_text() == "id = \n"


# --- new + check, doctor ----------------------------------------------------------------------------


def test_new_skeleton_passes_check(tmp_path):
    assert tutor(tmp_path, "new", "fresh").returncode == 0
    done = tutor(tmp_path, "check", str(tmp_path / "fresh.toml"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed, 0 failed" in done.stdout


def test_doctor_asks_the_interpreter(tmp_path):
    done = tutor(tmp_path, "doctor", "--json")
    report = json.loads(done.stdout)
    assert report["asked"] == "the sandboxed interpreter", report.get("interpreter_error")
    assert report["torch"].split("+")[0] == metadata.version("torch").split("+")[0]
    assert report["torchvision"] == metadata.version("torchvision")
    assert report["textual"] == metadata.version("textual")
    assert report["python"].startswith(".".join(map(str, sys.version_info[:3])))
    assert report["device"]["kind"] in ("cpu", "cuda", "mps") and report["device"]["label"]
    assert report["cuda"]["available"] == (report["device"]["kind"] == "cuda")
    home = tmp_path / "home"
    assert report["files"]["progress"] == str(home / "data" / "progress.json")
    assert report["lessons"]["user"] == str(home / "config" / "lessons")
    assert done.returncode == (1 if report["problems"] else 0)


def test_doctor_without_the_interpreter_asks_a_subprocess_the_same_way():
    from tutor.cli.doctor import _ask_subprocess

    dev, probe = _ask_subprocess("nonsense")
    assert dev["kind"] in ("cpu", "cuda", "mps") and dev["label"]
    assert dev["note"].startswith("--device='nonsense' refused: not a device name")
    assert dev["note"].endswith("from a plain subprocess, not the interpreter")
    assert probe["torch"].split("+")[0] == metadata.version("torch").split("+")[0]


def test_doctor_text_output(tmp_path):
    done = tutor(tmp_path, "doctor")
    for label in (
        "Python",
        "torch",
        "torchvision",
        "textual",
        "CUDA",
        "MPS",
        "device",
        "progress",
        "built-in lessons",
    ):
        assert any(line.startswith(f"{label} ") for line in done.stdout.splitlines()), label


def test_check_with_a_refused_device_is_exit_1(tmp_path):
    done = tutor(tmp_path, "check", str(GOOD), "--device", "bogus")
    assert done.returncode == 1
    assert "--device='bogus' refused" in done.stdout
    assert "the --device asked for was refused" in done.stdout


def test_check_in_a_terminal_marks_differences_in_colour_not_with_a_marker_line(tmp_path):
    import os
    import subprocess

    env = {
        **os.environ,
        "TORCH_TUTOR_HOME": str(tmp_path / "home"),
        "COLUMNS": "200",
        "FORCE_COLOR": "1",
        "TERM": "xterm-256color",
    }
    env.pop("TORCH_TUTOR_LESSONS", None)
    env.pop("NO_COLOR", None)
    done = subprocess.run(
        [sys.executable, "-m", "tutor", "check", str(WRONG)],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=tmp_path,
    )
    out = done.stdout
    assert "\x1b[" in out and "^" not in out
    # The differing number is drawn in reverse video; the brackets are the tensor's own.
    assert "\x1b[1;7;31m6" in out or "\x1b[1;31;7m6" in out or "\x1b[7;1;31m6" in out, repr(out)


def test_what_a_check_draws_is_shown_beside_its_verdict(tmp_path):
    lesson = tmp_path / "drawn.toml"
    lesson.write_text(
        HEAD
        + """
[[steps]]
text = "eye"
starter = "m = torch.zeros(3, 3)"
solution = "m = torch.eye(3)"
check = '''
show.heatmap(torch.stack([torch.eye(3), m]).reshape(6, 3), title="target over yours")
assert torch.equal(m, torch.eye(3)), say(en="m is not the identity", zh="m 不是单位矩阵")
'''
hints = ["torch.eye"]
""",
        encoding="utf-8",
    )
    done = tutor(tmp_path, "check", str(lesson))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the check drew:" in done.stdout and "target over yours" in done.stdout
    done = tutor(tmp_path, "check", str(lesson), "--json")
    rows = [json.loads(line) for line in done.stdout.splitlines() if '"lesson"' in line]
    assert [[p["title"] for p in r["check_pictures"]] for r in rows] == [
        ["target over yours"],
        ["target over yours"],
    ]
    assert all(r["pictures"] == [] for r in rows)  # the cells themselves drew nothing
