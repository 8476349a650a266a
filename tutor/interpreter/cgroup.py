"""Provides containment of a worker's process tree: a pids cgroup where writable, else killpg.

Each worker starts in its own session (so its process group id is its pid) and, where this
process may create cgroups, in its own pids cgroup with ``pids.max`` set. The cgroup bounds a
fork bomb (fork fails with EAGAIN at the limit) and lets :func:`kill_tree` find every process
the worker ever started, even ones that left the process group with ``setsid()``. Without a
writable pids hierarchy (most desktops, macOS) killing the process group is what remains.
bubblewrap is not used: it would hide the worker's real pid, which the client signals.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

PREFIX = "torch-tutor-"
# A full group (pids.max processes, each a forked torch at full CPU) takes seconds to die on a
# loaded 2-core machine: SIGKILL lands only when each gets a CPU, and its exit unmaps ~400 MB.
KILL_DEADLINE = 15.0
REMOVE_FOR = 5.0  # how long rmdir is retried while killed processes finish exiting
_counter = itertools.count()


def default_max_pids() -> int:
    # torch starts a thread per core (intra-op) plus inter-op and driver threads; threads count.
    return max(256, 4 * (os.cpu_count() or 1) + 128)


def _pids_base() -> Path | None:
    """The cgroup folder this process is in, in a hierarchy that has the pids controller."""
    try:
        mounts = Path("/proc/self/mountinfo").read_text().splitlines()
        membership = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    v1_mount = v2_mount = None
    for line in mounts:
        left, _, right = line.partition(" - ")
        fields, rfields = left.split(), right.split()
        if len(fields) < 5 or len(rfields) < 3:
            continue
        if rfields[0] == "cgroup" and "pids" in rfields[2].split(","):
            v1_mount = fields[4]
        elif rfields[0] == "cgroup2" and v2_mount is None:
            v2_mount = fields[4]
    for line in membership:
        hid, controllers, rel = line.split(":", 2)
        if v1_mount and "pids" in controllers.split(","):
            return Path(v1_mount + rel)
        if v2_mount and hid == "0" and controllers == "":
            base = Path(v2_mount + rel)
            try:  # only a delegated subtree with pids enabled for children is usable
                if "pids" in (base / "cgroup.subtree_control").read_text().split():
                    return base
            except OSError:
                pass
    return None


class PidsGroup:
    """One worker's pids cgroup."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def create(cls) -> PidsGroup | None:
        """A fresh cgroup with pids.max set, or None where this process may not make one."""
        base = _pids_base()
        if base is None:
            return None
        _remove_stale(base)
        path = base / f"{PREFIX}{os.getpid()}-{next(_counter)}"
        try:
            path.mkdir()
        except OSError:
            return None
        try:
            (path / "pids.max").write_text(str(default_max_pids()))
        except OSError:
            with contextlib.suppress(OSError):
                path.rmdir()
            return None
        return cls(path)

    def add(self, pid: int) -> bool:
        try:
            (self.path / "cgroup.procs").write_text(str(pid))
            return True
        except OSError:
            return False

    def procs(self) -> list[int]:
        try:
            return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            return []

    def kill_all(self, deadline: float = KILL_DEADLINE) -> bool:
        """SIGKILL everything in the group, again and again until it is empty (forks race us).

        Returns whether it emptied within ``deadline`` seconds.
        """
        kill_file = self.path / "cgroup.kill"  # cgroup v2, Linux 5.14+
        if kill_file.exists():
            with contextlib.suppress(OSError):
                kill_file.write_text("1")
        return self.kill_others(None, deadline) is not None

    def kill_others(
        self, keep: int | None, deadline: float = KILL_DEADLINE, killed: set[int] | None = None
    ) -> int | None:
        """SIGKILL every process in the group but ``keep`` until none is left.

        Returns how many distinct processes were killed (their pids are added to ``killed``),
        or None if some still ran at the deadline.
        """
        return kill_until_gone(lambda: [p for p in self.procs() if p != keep], deadline, killed)

    def remove(self) -> bool:
        try:
            self.path.rmdir()
            return True
        except FileNotFoundError:
            return True
        except OSError:
            return False

    def remove_retrying(self, seconds: float = REMOVE_FOR) -> bool:
        """rmdir, retried: killed processes keep the folder busy until they have fully exited."""
        end = time.monotonic() + seconds
        while not self.remove():
            if time.monotonic() > end:
                return False
            time.sleep(0.05)
        return True


def kill_tree(pid: int, group: PidsGroup | None, reaped: bool = False) -> None:
    """Kill a worker with everything it started: its process group, then its cgroup.

    ``reaped``: the worker itself is gone and waited for, so its pid may belong to someone else
    by now; its process group id stays reserved while any member (a child it left) lives.
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    if not reaped:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    if group is not None:
        group.kill_all()


def _remove_stale(base: Path) -> None:
    """Groups left by torch-tutor processes that died without cleaning up (SIGKILL, and their
    reaper killed too): whatever still runs in them is killed, then the folder is removed."""
    try:
        entries = list(base.glob(PREFIX + "*"))
    except OSError:
        return
    for entry in entries:
        owner = entry.name[len(PREFIX) :].split("-", 1)[0]
        if owner.isdigit() and not Path(f"/proc/{owner}").exists():
            group = PidsGroup(entry)
            group.kill_all(deadline=2.0)
            group.remove_retrying(1.0)


def kill_until_gone(
    alive: Callable[[], list[int]],
    deadline: float,
    killed: set[int] | None = None,
    each_round: Callable[[], None] | None = None,
) -> int | None:
    """SIGKILL the pids ``alive()`` lists, again and again, until it lists none (forks race the kill).

    ``each_round`` runs before each listing (e.g. reaping zombies). Returns how many distinct
    processes were killed (their pids are added to ``killed``), or None if some still ran at the
    deadline.
    """
    killed = set() if killed is None else killed
    end = time.monotonic() + deadline
    while True:
        if each_round is not None:
            each_round()
        pids = alive()
        if not pids:
            return len(killed)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
            killed.add(pid)
        if time.monotonic() >= end:
            return None
        time.sleep(0.002)
