"""The UI process never imports torch: importing the app, starting it and running a cell (subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

LESSONS = Path(__file__).parent / "app_lessons"

SCRIPT = """
import asyncio, json, sys
from tutor.app import TutorApp
from tutor.lessons.loader import load_catalog

after_import = sorted(m for m in ("torch", "torchvision", "numpy") if m in sys.modules)

async def main():
    catalog = load_catalog([sys.argv[1]], builtin=False, user=False, env=False)
    app = TutorApp(catalog, lesson_id="app-basics", stable=True, interpreter_options={"spare": False})
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(1200):
            if app.interp_state == "ready":
                break
            await pilot.pause(0.05)
        screen = app.screen
        await pilot.press("f5")
        for _ in range(1200):
            if screen.finished_runs:
                break
            await pilot.pause(0.05)
        outcome = screen.state.state.outcome
        return app.interp_state, app.torch_version, bool(outcome and outcome.passed)

state, version, passed = asyncio.run(main())
print(json.dumps({
    "after_import": after_import,
    "state": state, "worker_torch": version, "passed": passed,
    "torch_loaded": [m for m in sys.modules if m == "torch" or m.startswith("torch.")],
}))
"""


@pytest.mark.timeout(180)
def test_the_ui_process_loads_no_torch(tmp_path):
    env = {**__import__("os").environ, "TORCH_TUTOR_HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(LESSONS)],
        capture_output=True,
        text=True,
        timeout=170,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["after_import"] == []
    # The worker did import torch and ran the cell, so the check below means something.
    assert report["state"] == "ready" and report["worker_torch"] and report["passed"], report
    assert report["torch_loaded"] == []
