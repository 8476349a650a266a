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
        "✓ steps[1] demo arange and reshape",
        "✓ steps[2] demo Shape and dtype",
        "✓ steps[3] demo item() needs one element",
        "✓ steps[4] starter Exercise: sevens",
        "✓ steps[4] solution Exercise: sevens",
    ):
        assert line in out
    assert "1 lesson(s): 5 passed, 0 failed, 1 skipped, 0 load error(s)" in out
    assert "skipped: this step needs CUDA" in out


def test_check_fails_a_wrong_expectation_and_a_weak_check(tmp_path):
    done = tutor(tmp_path, "check", str(WRONG))
    assert done.returncode == 1
    out = done.stdout
    assert "✗ steps[0] demo: value differs at [5]: expected 6, got 5" in out
    assert "- tensor([0, 1, 2, 3, 4, [[6]]])" in out and "+ tensor([0, 1, 2, 3, 4, [[5]]])" in out
    assert "✗ steps[1] starter: the starter already passes its check; the check must reject it" in out
    assert "✓ steps[1] solution" in out
    assert "✓ steps[2] demo" in out  # later steps still run after a failure
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
    summary = rows[-1]["summary"]
    assert (summary["passed"], summary["failed"], summary["skipped"], summary["lessons"]) == (7, 2, 1, 2)


def test_check_reports_load_errors_and_goes_on(tmp_path):
    lessons = tmp_path / "lessons"
    shutil.copytree(GOOD, lessons)
    (lessons / "broken.toml").write_text('format_version = 1\nid = "b"\n')
    done = tutor(tmp_path, "check", str(lessons))
    assert done.returncode == 1
    assert f"✗ {lessons / 'broken.toml'}: title: missing required field `title`" in done.stdout
    assert "5 passed, 0 failed, 1 skipped, 1 load error(s)" in done.stdout


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


def test_check_only_and_unknown_id(tmp_path):
    done = tutor(tmp_path, "check", str(GOOD), str(WRONG), "--only", "fixture-basics", "--json")
    assert done.returncode == 0
    assert {json.loads(x).get("lesson") for x in done.stdout.splitlines()} - {None} == {"fixture-basics"}
    done = tutor(tmp_path, "check", str(GOOD), "--only", "nope")
    assert done.returncode == 1 and "no lesson with id nope" in done.stderr


# --- record ---------------------------------------------------------------------------------------

def test_record_fills_outputs_and_keeps_comments(tmp_path):
    path = tmp_path / "basics.toml"
    text = (GOOD / "basics.toml").read_text()
    # Spoil one expected output and drop another expectation entirely.
    text = text.replace("torch.Size([2, 3])\ntorch.int64", "torch.Size([9, 9])\ntorch.int64")
    text = text.replace(
        '\n[steps.expect]\nkind = "tensor"\noutput = \'\'\'\ntensor([[0, 1, 2],\n        [3, 4, 5]])\n\'\'\'\n', "\n"
    )
    text = text.replace("# A small real lesson", "# A comment that must survive.\n# A small real lesson")
    path.write_text(text)
    done = tutor(tmp_path, "record", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "added steps[1] (tensor)" in done.stdout and "updated steps[2] (text)" in done.stdout
    new = path.read_text()
    assert "# A comment that must survive." in new
    assert "torch.Size([2, 3])\ntorch.int64" in new
    assert "[steps.expect]\nkind = \"tensor\"\noutput = '''\ntensor([[0, 1, 2],\n        [3, 4, 5]])\n'''" in new
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
    assert "steps[1]: your code raised ZeroDivisionError: division by zero; output not recorded" in done.stderr
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
    for label in ("Python", "torch", "torchvision", "textual", "CUDA", "MPS", "device", "progress", "built-in lessons"):
        assert any(line.startswith(f"{label} ") for line in done.stdout.splitlines()), label


def test_check_with_a_refused_device_is_exit_1(tmp_path):
    done = tutor(tmp_path, "check", str(GOOD), "--device", "bogus")
    assert done.returncode == 1
    assert "--device='bogus' refused" in done.stdout
    assert "the --device asked for was refused" in done.stdout
