"""Provides the reaper: a small process that cleans up after a session whose owner died.

``python -m tutor.interpreter.reaper`` (no torch, no asyncio) is started once per session,
in its own session, with a pipe on its stdin that only the owner (the UI or the CLI) holds.
The owner tells it, one line at a time, what to clean up should it die:

    watch PID STARTTIME [CGROUP]     a worker: its process group and its cgroup folder
    forget PID                       that worker was killed and waited for by the owner
    folder PATH                      the session folder (only one the owner made itself)

At end of file (the owner exited, however it died: SIGKILL included) the reaper kills every
process still in each watched cgroup, then every member of each watched process group that
started after its worker, removes the cgroup folders (retrying while dying processes still
hold them) and the session folder, and exits. A worker itself dies with its owner
(PR_SET_PDEATHSIG); this catches what it started: forked children, ``setsid`` daemons.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from pathlib import Path

from tutor.interpreter import cgroup

KILL_DEADLINE = 10.0  # a full cgroup of forked torch processes takes seconds to die here


def start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    try:
        return int(stat.rsplit(")", 1)[1].split()[19])
    except (IndexError, ValueError):
        return None


def group_members(pgid: int, since: int) -> list[int]:
    """Processes in process group ``pgid`` that started at or after ``since`` (pid reuse guard)."""
    found: list[int] = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and int(fields[19]) >= since:
                found.append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    return found


def kill_group_members(pgid: int, since: int, deadline: float = KILL_DEADLINE) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        pids = group_members(pgid, since)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.01)


def clean_up(watched: dict[int, tuple[int, str]], folder: str | None) -> None:
    for pid, (since, group_path) in watched.items():
        group = cgroup.PidsGroup(Path(group_path)) if group_path else None
        if group is not None:
            group.kill_all(KILL_DEADLINE)
        kill_group_members(pid, since)
        if group is not None:
            group.remove_retrying()
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    # The owner's terminal closing or its Ctrl+C must not stop the cleanup it is waiting for.
    for name in ("SIGHUP", "SIGINT"):
        signum = getattr(signal, name, None)
        if signum is not None:
            signal.signal(signum, signal.SIG_IGN)
    watched: dict[int, tuple[int, str]] = {}
    folder: str | None = None
    for raw in sys.stdin.buffer:
        words = raw.decode("utf-8", "surrogateescape").rstrip("\n").split(" ", 3)
        try:
            if words[0] == "watch" and len(words) >= 3:
                watched[int(words[1])] = (int(words[2]), words[3] if len(words) > 3 else "")
            elif words[0] == "forget" and len(words) == 2:
                watched.pop(int(words[1]), None)
            elif words[0] == "folder" and len(words) >= 2:
                folder = raw.decode("utf-8", "surrogateescape").rstrip("\n")[len("folder ") :]
        except ValueError:
            continue
    clean_up(watched, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
