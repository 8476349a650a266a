"""Provides Landlock confinement for the worker: writes only in its folder, no TCP, no signals out.

The worker calls :func:`confine` on its main thread before it imports torch or starts any
thread, so every thread and child process it ever has (DataLoader workers included) inherits
the rules. Landlock is used through ``ctypes`` syscalls: no root, no namespaces, no setuid
helper, and no measurable cost.

What is enforced, by kernel version (Landlock ABI):
- ABI 1+ (Linux 5.13+): creating, writing, truncating, renaming or deleting files is allowed
  only beneath the session folder (the worker's cwd and ``TMPDIR``) and ``/dev/shm`` (shared
  memory for DataLoader workers; the worker's own tmpfs where private_shm mounted one), plus a
  few device files torch and GPU drivers open for writing (``/dev/null``, ``/dev/nvidia*``,
  ...). Reading and executing stay allowed everywhere.
- ABI 4+ (Linux 6.7+): TCP ``connect`` and ``bind`` are refused (UDP and Unix sockets are not
  covered by Landlock).
- ABI 6+ (Linux 6.12+): signals to processes outside the sandbox are refused, so a cell cannot
  signal the UI (``os.kill(os.getppid(), 9)`` raises PermissionError); abstract Unix sockets
  outside the sandbox are unreachable.

Elsewhere nothing here is enforced and the report says so: Linux older than 5.13 or without
Landlock in its LSM list, containers that filter the syscalls, macOS and Windows. Then cells can
write anywhere the user can, open network connections, and (below ABI 6) signal the UI
process, which still runs in another session and process group. The timeout, memory, output and
process-group limits work everywhere.

What the sandbox does not protect, even with every ABI: reading. A cell can read every file the
user can (``~/.ssh``, other projects, the progress store) and execute any program. It can read
``/proc`` of the user's other processes: ``cmdline`` and ``status`` always; ``environ`` and memory
where the kernel's ptrace rules allow (as root, always; for a normal user Yama and Landlock's
ptrace rule usually refuse processes outside the sandbox). That is why the worker gets its token
on stdin and a minimal environment, but the UI's own command line stays readable. Without a
private network (tutor.interpreter.netns), UDP and Unix sockets reach the machine and beyond
(Landlock covers TCP only). Limits on what cells start and write (pids, memory with the private
``/dev/shm``, file sizes, processes left after a cell) are in limits.py, cgroup.py,
private_shm.py and leftovers.py; the reaper (reaper.py) cleans up after a killed owner.
"""

from __future__ import annotations

import ctypes
import glob
import os
import sys
from typing import Any

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446  # same on every arch
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# Filesystem rights (landlock.h). READ_FILE, READ_DIR and EXECUTE are deliberately not handled,
# so reading and executing stay allowed everywhere. IOCTL_DEV (ABI 5) is not handled either:
# GPU drivers talk to their device files through ioctl.
_WRITE_FILE = 1 << 1
_REMOVE_DIR, _REMOVE_FILE = 1 << 4, 1 << 5
_MAKE = sum(1 << bit for bit in range(6, 13))  # CHAR, DIR, REG, SOCK, FIFO, BLOCK, SYM
_REFER = 1 << 13  # ABI 2
_TRUNCATE = 1 << 14  # ABI 3
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1  # ABI 4
_SCOPE_ABSTRACT_UNIX, _SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6

# Device files that torch, CUDA and ROCm open for writing; directories get every write right.
_DEVICE_FILES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty")
_DEVICE_GLOBS = ("/dev/nvidia*", "/dev/kfd")
_DEVICE_DIRS = ("/dev/shm", "/dev/dri", "/dev/nvidia-caps")


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc() -> Any:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def abi_version() -> int:
    """The kernel's Landlock ABI, or 0 where Landlock is unavailable."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        version = _libc().syscall(
            ctypes.c_long(_SYS_CREATE_RULESET),
            None,
            ctypes.c_size_t(0),
            ctypes.c_uint32(_CREATE_RULESET_VERSION),
        )
    except (OSError, AttributeError):
        return 0
    return max(0, int(version))


def unconfined(note: str, abi: int | None = None) -> dict[str, Any]:
    """The sandbox report of a worker that nothing confines (yet), saying why in ``note``."""
    return {
        "landlock_abi": abi_version() if abi is None else abi,
        "files": False,
        "network": False,
        "signals": False,
        "note": note,
    }


def confine(workdir: str, *, confine_tcp: bool = True) -> dict[str, Any]:
    """Confine the calling thread and everything it starts later. Returns what is enforced.

    ``confine_tcp=False``: leave TCP alone, for a worker in a loopback-only network namespace
    (tutor.interpreter.netns), where 127.0.0.1 is its own and nothing else is reachable.
    """
    abi = abi_version()
    report = unconfined("", abi)
    if abi == 0:
        report["note"] = (
            "Landlock is not available here: cell writes and connections are not confined"
        )
        return report
    dir_rights = _WRITE_FILE | _REMOVE_DIR | _REMOVE_FILE | _MAKE
    file_rights = _WRITE_FILE
    if abi >= 2:
        dir_rights |= _REFER
    if abi >= 3:
        dir_rights |= _TRUNCATE
        file_rights |= _TRUNCATE
    attr = _RulesetAttr(handled_access_fs=dir_rights)
    if abi >= 4 and confine_tcp:
        attr.handled_access_net = _NET_BIND_TCP | _NET_CONNECT_TCP
    if abi >= 6:
        attr.scoped = _SCOPE_ABSTRACT_UNIX | _SCOPE_SIGNAL
    libc = _libc()
    size = ctypes.sizeof(_RulesetAttr) if abi >= 6 else (16 if abi >= 4 else 8)
    ruleset = libc.syscall(
        ctypes.c_long(_SYS_CREATE_RULESET),
        ctypes.byref(attr),
        ctypes.c_size_t(size),
        ctypes.c_uint32(0),
    )
    if ruleset < 0:
        report["note"] = f"Landlock ruleset refused: {os.strerror(ctypes.get_errno())}"
        return report
    try:
        try:  # without its own folder the worker could not write at all: then do not confine
            _allow(libc, ruleset, workdir, dir_rights)
        except OSError as exc:
            report["note"] = f"Landlock not applied: {exc}"
            return report
        devices = [(p, dir_rights) for p in _DEVICE_DIRS if os.path.isdir(p)]
        devices += [(p, file_rights) for p in _DEVICE_FILES if os.path.exists(p)]
        devices += [
            (p, file_rights) for g in _DEVICE_GLOBS for p in glob.glob(g) if not os.path.isdir(p)
        ]
        for path, rights in devices:
            try:
                _allow(libc, ruleset, path, rights)
            except OSError:
                pass  # a device file we cannot name stays read-only; torch rarely needs it
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            report["note"] = f"no_new_privs refused: {os.strerror(ctypes.get_errno())}"
            return report
        if (
            libc.syscall(
                ctypes.c_long(_SYS_RESTRICT_SELF), ctypes.c_int(ruleset), ctypes.c_uint32(0)
            )
            != 0
        ):
            report["note"] = f"Landlock restrict_self refused: {os.strerror(ctypes.get_errno())}"
            return report
    finally:
        os.close(ruleset)
    tcp = abi >= 4 and confine_tcp
    report.update(files=True, network=tcp, signals=abi >= 6)
    missing = [
        name for name, on in (("TCP", tcp or not confine_tcp), ("signal", abi >= 6)) if not on
    ]
    if missing:
        report["note"] = f"Landlock ABI {abi}: no {' or '.join(missing)} confinement on this kernel"
    return report


def _allow(libc: Any, ruleset: int, path: str, rights: int) -> None:
    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    try:
        rule = _PathBeneathAttr(allowed_access=rights, parent_fd=fd)
        if (
            libc.syscall(
                ctypes.c_long(_SYS_ADD_RULE),
                ctypes.c_int(ruleset),
                ctypes.c_int(_RULE_PATH_BENEATH),
                ctypes.byref(rule),
                ctypes.c_uint32(0),
            )
            != 0
        ):
            raise OSError(
                ctypes.get_errno(), f"Landlock rule for {path}: {os.strerror(ctypes.get_errno())}"
            )
    finally:
        os.close(fd)
