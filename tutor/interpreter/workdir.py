"""Provides the per-session working folder: made at start, removed at shutdown or later.

A session killed without a chance to clean up (SIGKILL, a closed terminal) leaves its folder
behind; the next session removes folders whose owner process is gone and that nobody touched
for a while (the pause guards against a pid that only looks dead from another pid namespace).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

PREFIX = "torch-tutor-"
STALE_AFTER = 600.0  # seconds since the last change before a dead owner's folder is removed


def make_workdir() -> str:
    """A fresh private folder named after this process, in the system temp folder."""
    remove_stale()
    return tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-")


def _owner_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def remove_stale(base: str | None = None) -> list[str]:
    """Remove session folders of processes that are gone; returns what was removed."""
    removed: list[str] = []
    now = time.time()
    try:
        entries = list(Path(base or tempfile.gettempdir()).glob(PREFIX + "*"))
    except OSError:
        return removed
    for entry in entries:
        owner = entry.name[len(PREFIX) :].split("-", 1)[0]
        if not owner.isdigit() or _owner_alive(int(owner)):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir() and now - entry.stat().st_mtime > STALE_AFTER:
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(str(entry))
    return removed
