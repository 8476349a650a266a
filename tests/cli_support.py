"""Provides tutor(): `python -m tutor ...` as a real subprocess, for the CLI tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def tutor(tmp_path: Path, *argv: str, timeout: float = 240) -> subprocess.CompletedProcess:
    """Run the CLI in ``tmp_path`` with a private TORCH_TUTOR_HOME, no TORCH_TUTOR_LESSONS and
    200 columns (so Rich never wraps the lines the tests read)."""
    env = {**os.environ, "TORCH_TUTOR_HOME": str(tmp_path / "home"), "COLUMNS": "200"}
    env.pop("TORCH_TUTOR_LESSONS", None)
    return subprocess.run(
        [sys.executable, "-m", "tutor", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=tmp_path,
    )
