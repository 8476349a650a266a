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

import os

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
