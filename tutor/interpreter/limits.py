"""Provides the memory budget: RLIMIT_DATA set in the worker after import, and RSS readings.

RLIMIT_AS is not used: ``import torch`` needs several GiB of address space (GPU builds far
more). RLIMIT_DATA counts private writable memory only; the worker sets it after torch is
imported and warmed up, to its own baseline plus the budget, so a too-large allocation fails
cleanly (MemoryError, or torch's "can't allocate memory" RuntimeError) and the worker lives.
What RLIMIT_DATA cannot see (shared memory, memory-mapped files) the client's RSS watchdog
catches: above the budget it kills the worker and reports status "limit".

Linux only. Elsewhere (macOS) the RSS readings return None and only torch's own errors and the
operating system limit a cell's memory.
"""

from __future__ import annotations

import itertools
import os
import sys
import types

MIB = 1024 * 1024
# With no budget given: half the memory available at start, between 1 GiB and 16 GiB.
AUTO_SHARE = 0.5
AUTO_MIN_MB, AUTO_MAX_MB = 1024, 16 * 1024
# A spare worker is booted only while this much memory would still be available.
SPARE_MIN_AVAILABLE = 2048 * MIB
# RSS may exceed baseline + budget by this much before the watchdog acts (stacks, page cache).
RSS_SLACK = 64 * MIB


def _proc_kib(path: str, key: str) -> int | None:
    """The ``key:  N kB`` line of a /proc file, in bytes; None where there is no such line or file."""
    try:
        with open(path, encoding="ascii") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def mem_available() -> int | None:
    """Bytes the system can still hand out without swapping, or None where unknown."""
    return _proc_kib("/proc/meminfo", "MemAvailable")


def auto_memory_limit_mb() -> int:
    available = mem_available()
    if available is None:
        return 4096
    return int(min(AUTO_MAX_MB, max(AUTO_MIN_MB, available * AUTO_SHARE / MIB)))


def spare_allowed(worker_rss: int | None) -> bool:
    """Room for one more booted worker (its RSS) and still SPARE_MIN_AVAILABLE left?"""
    available = mem_available()
    if available is None:
        return True  # no /proc: a spare is the normal case on macOS
    return available - (worker_rss or 0) >= SPARE_MIN_AVAILABLE


def rss(pid: int) -> int | None:
    """Resident memory of a process in bytes, or None if it is gone or /proc is missing."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def vm_data() -> int | None:
    """This process's private writable memory (what RLIMIT_DATA counts), or None."""
    return _proc_kib("/proc/self/status", "VmData")


def set_data_limit(budget_bytes: int) -> int | None:
    """Worker side: cap private memory at today's use plus the budget. Returns the cap or None."""
    baseline = vm_data()
    if baseline is None:
        return None
    try:
        import resource

        cap = baseline + budget_bytes
        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        if hard != resource.RLIM_INFINITY and hard < cap:
            cap = hard
        resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
        return cap
    except (ImportError, ValueError, OSError):
        return None


BIG_VALUE = 16 * MIB  # smaller values are not worth naming in a memory error
_SAMPLE = 1000  # items of a container measured; the rest are estimated from them


def value_size(value: object) -> int:
    """Roughly how many bytes ``value`` holds: tensor and array data, containers and items."""
    nbytes = getattr(value, "nbytes", None)  # NumPy arrays, and tensors in torch >= 2.1
    if isinstance(nbytes, int):
        return nbytes
    if hasattr(value, "element_size") and hasattr(value, "nelement"):
        try:
            return int(value.element_size() * value.nelement())  # type: ignore[attr-defined]
        except Exception:
            return 0
    size = sys.getsizeof(value, 0)
    if isinstance(value, dict):
        items: list[object] = [
            *itertools.islice(value.keys(), _SAMPLE),
            *itertools.islice(value.values(), _SAMPLE),
        ]
        count = 2 * len(value)
    elif isinstance(value, (list, tuple, set, frozenset)):
        items, count = list(itertools.islice(value, _SAMPLE)), len(value)
    else:
        return size
    if items:
        sampled = sum(
            value_size(v) if not isinstance(v, (list, tuple, dict, set)) else sys.getsizeof(v, 0)
            for v in items
        )
        size += sampled * count // len(items)
    return size


def big_values(namespace: dict[str, object], at_least: int = BIG_VALUE) -> str:
    """'big (list, 1.9 GiB), x (Tensor, 512 MiB)': the namespace's largest values, or ''."""
    found = []
    for name, value in list(namespace.items()):
        if name.startswith("_") or isinstance(value, (type, types.ModuleType, types.FunctionType)):
            continue
        try:
            size = value_size(value)
        except Exception:
            continue
        if size >= at_least:
            found.append((size, name, type(value).__name__))
    found.sort(reverse=True)
    return ", ".join(f"{name} ({kind}, {_human(size)})" for size, name, kind in found[:3])


def _human(size: int) -> str:
    if size >= 1024 * MIB:
        return f"{size / (1024 * MIB):.1f} GiB"
    return f"{size // MIB} MiB"


def pss(pid: int) -> int | None:
    """Proportional set size: shared pages (a fork's copy-on-write ones) split among sharers."""
    return _proc_kib(f"/proc/{pid}/smaps_rollup", "Pss")


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (through /proc/PID/task/*/children)."""
    found: list[int] = []
    todo = [pid]
    while todo and len(found) < 10_000:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children", encoding="ascii") as f:
                    kids = [int(p) for p in f.read().split()]
            except (OSError, ValueError):
                continue
            found += kids
            todo += kids
    return found


def tree_memory(pid: int, pids: list[int] | None = None) -> int | None:
    """Memory of a worker and every process it started (``pids``: its cgroup's, if known).

    The worker alone: its RSS. With others: the sum of their proportional set sizes, so the
    pages a forked child still shares with the worker count once, and what each child
    allocated counts in full."""
    others = [p for p in (descendants(pid) if pids is None else pids) if p != pid]
    if not others:
        return rss(pid)
    total = None
    for p in [pid, *others]:
        size = pss(p)
        if size is not None:
            total = (total or 0) + size
    return total


# Files cells write: no single file over this (RLIMIT_FSIZE), and a cell is stopped when the
# session folder grows past it (checked every FOLDER_EVERY seconds while the cell runs).
FILE_LIMIT = 1024 * MIB
FOLDER_EVERY = 0.5


def set_file_limit(limit: int) -> int | None:
    """Worker side: no file written larger than ``limit`` bytes; a write past it fails (EFBIG)."""
    try:
        import resource
        import signal

        # SIGXFSZ would kill the process; ignored (inherited by children), write() fails instead.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        if hard != resource.RLIM_INFINITY and hard < limit:
            limit = hard
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
        return limit
    except (ImportError, ValueError, OSError, AttributeError):
        return None


def folder_usage(path: str) -> int:
    """Bytes of disk the files under ``path`` take (allocated blocks; symlinks not followed)."""
    total = 0
    todo = [path]
    while todo:
        try:
            entries = list(os.scandir(todo.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    todo.append(entry.path)
                else:
                    total += entry.stat(follow_symlinks=False).st_blocks * 512
            except OSError:
                continue
    return total
