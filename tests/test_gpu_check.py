"""Tests scripts/gpu_check.sh on a machine without a GPU: it runs, skips the CUDA steps and writes its report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_gpu_check_runs_on_the_cpu_and_reports(tmp_path):
    env = {**os.environ, "PY": sys.executable, "TORCH_TUTOR_HOME": str(tmp_path / "home")}
    proc = subprocess.run(
        ["bash", "scripts/gpu_check.sh", str(tmp_path / "out"), "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    steps = {s["name"].split(" (")[0]: s for s in report["steps"]}
    assert proc.returncode == 0, proc.stdout + proc.stderr
    if report["cuda"]:
        pytest.skip("this machine has CUDA: the CPU mode is what this test checks")
    assert steps["hostile cells on the GPU"]["status"] == "skipped"
    doctor = steps["doctor: the device cells will use"]
    assert doctor["status"] == "ok" and doctor["facts"]["kind"] == "cpu"
    check = next(s for name, s in steps.items() if name.startswith("check every built-in lesson"))
    # lesson 00: its needs-CUDA step is skipped here, the others pass
    assert (
        check["status"] == "ok" and check["facts"]["passed"] >= 4 and check["facts"]["skipped"] >= 1
    )
    for model in ("CNN", "FCN"):
        train = steps[f"train the notes' {model}"]
        assert train["status"] == "ok", train
        # the checkpoint, loaded into the notes' own class, scores what the trainer scored (the same
        # 500 held-out digits; a near-tie may tip one or two images the other way)
        facts = train["facts"]
        assert abs(facts["notes_class_accuracy"] - facts["test_acc"]) <= 0.4, facts
    assert "summary: " in (tmp_path / "out" / "report.txt").read_text()
