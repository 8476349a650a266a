"""Provides the worker's sweep after every cell: processes the cell left running are killed.

A cell owns the processes it starts only while it runs. A thread of work that outlives its
cell (a fork bomb's survivors, a ``setsid`` daemon, a DataLoader iterator kept in a variable)
would write into later cells' output, hold the pids limit and memory, and outlive the lesson.
So after each cell the worker kills every process in its pids cgroup but itself, again and
again until none is left (forks race the kills); the count is told with the cell's result.

Without a cgroup (no writable pids hierarchy, macOS) the worker is a child subreaper
(PR_SET_CHILD_SUBREAPER, Linux), so orphaned descendants are re-parented to it, and it kills
its children (and their orphans) the same way; there a child that changed its session and
whose parent still runs is found once its parent has died.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from tutor.interpreter.cgroup import KILL_DEADLINE, PidsGroup, kill_until_gone

_PR_SET_CHILD_SUBREAPER = 36


class Leftovers:
    def __init__(self, group: str | None) -> None:
        self.pid = os.getpid()
        self.group = PidsGroup(Path(group)) if group else None
        if self.group is None and sys.platform.startswith("linux"):
            with contextlib.suppress(OSError, AttributeError):
                import ctypes

                ctypes.CDLL(None).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

    def sweep(self, deadline: float = KILL_DEADLINE) -> int | None:
        """Kill what the cell left running; how many processes, or None if some survived."""
        killed: set[int] = set()
        if self.group is not None:
            count = self.group.kill_others(self.pid, deadline, killed)
        else:
            count = self._kill_children(deadline, killed)
        _reap(killed)
        return count

    def _kill_children(self, deadline: float, killed: set[int]) -> int | None:
        return kill_until_gone(self._children, deadline, killed, each_round=lambda: _reap(killed))

    def _children(self) -> list[int]:
        """Live children of every thread of this process (/proc/self/task/*/children)."""
        found: list[int] = []
        try:
            tasks = os.listdir("/proc/self/task")
        except OSError:
            return found
        for task in tasks:
            try:
                text = Path(f"/proc/self/task/{task}/children").read_text()
            except OSError:
                continue
            found += [int(p) for p in text.split() if _running(int(p))]
        return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _reap(killed: set[int]) -> None:
    """Wait for the children we killed, so they leave no zombies. Only those: a child that ended
    by itself keeps its exit status for the learner's own ``Popen.wait()``."""
    for pid in killed:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue  # not our child (a grandchild, a setsid daemon's child), or reaped already
