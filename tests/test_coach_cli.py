"""`torch-tutor run`: one cell in the sandbox, its error and the coach's explanation (real subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cli_support import tutor

LESSONS = Path(__file__).parent / "coach_lessons"
MATMUL = "feats = torch.ones(2, 3)\nweights = torch.ones(2, 3)\nprint('before')\nfeats @ weights\n"


def test_run_a_file_prints_output_error_and_explanation(tmp_path):
    cell = tmp_path / "cell.py"
    cell.write_text(MATMUL)
    done = tutor(tmp_path, "run", str(cell))
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("before\n")
    assert "RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)" in done.stderr
    assert "`feats` has shape [2, 3]" in done.stdout
    assert "Fix: feats @ weights.T" in done.stdout
    assert "Lesson that teaches it: linalg" in done.stdout


def test_run_stdin_json_in_chinese(tmp_path):
    # cli_support.tutor has no stdin; the same call, with the cell on standard input.
    env_run = subprocess.run(
        [sys.executable, "-m", "tutor", "run", "-", "--json", "--lang", "zh"],
        input=MATMUL,
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
        env={**os.environ, "TORCH_TUTOR_HOME": str(tmp_path / "home")},
    )
    assert env_run.returncode == 1, env_run.stderr
    data = json.loads(env_run.stdout)
    assert data["status"] == "error" and data["output"] == "before\n"
    assert data["error"] == {
        "type": "RuntimeError",
        "message": "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)",
    }
    assert data["explanation"]["id"] == "matmul-shapes"
    assert "矩阵乘法" in data["explanation"]["text"] and "`feats`" in data["explanation"]["text"]


def test_run_after_replaying_a_lessons_earlier_steps(tmp_path):
    cell = tmp_path / "step2.py"
    cell.write_text("feats @ weights\n")
    done = tutor(
        tmp_path,
        "run",
        str(cell),
        "--json",
        "--lessons",
        str(LESSONS),
        "--lesson",
        "coach-demo",
        "--step",
        "2",
    )
    data = json.loads(done.stdout)
    assert data["explanation"]["id"] == "matmul-shapes", data  # step 1's names were there
    cell.write_text("(feats @ weights.T).shape\n")
    done = tutor(
        tmp_path,
        "run",
        str(cell),
        "--json",
        "--lessons",
        str(LESSONS),
        "--lesson",
        "coach-demo",
        "--step",
        "2",
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data == {
        "status": "ok",
        "output": "torch.Size([2, 2])\n",
        "error": None,
        "explanation": None,
    }


def test_run_bad_input_says_why(tmp_path):
    done = tutor(tmp_path, "run", str(tmp_path / "missing.py"))
    assert done.returncode == 2 and "cannot read" in done.stderr
    cell = tmp_path / "c.py"
    cell.write_text("1\n")
    done = tutor(tmp_path, "run", "--step", "2", str(cell))
    assert done.returncode == 2 and "--step needs --lesson ID" in done.stderr
    done = tutor(
        tmp_path,
        "run",
        str(cell),
        "--lessons",
        str(LESSONS),
        "--lesson",
        "coach-demo",
        "--step",
        "9",
    )
    assert done.returncode == 2 and "has steps 1 to 2" in done.stderr
    done = tutor(tmp_path, "run", str(cell), "--lesson", "no-such-lesson")
    assert done.returncode == 2 and "no lesson with id 'no-such-lesson'" in done.stderr
