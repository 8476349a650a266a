"""Provides the worker's own ``/dev/shm``: a private tmpfs, capped, gone with the worker.

Why: DataLoader workers and ``multiprocessing`` need a writable ``/dev/shm`` (semaphores, shared
tensors), so the sandbox cannot refuse it; but the machine's ``/dev/shm`` is memory that no
process's RSS shows, and files a cell leaves there outlive the session. In a mount namespace of
its own the worker mounts a fresh tmpfs over ``/dev/shm``, sized to the memory budget: what
cells put there is bounded, the client counts it with the worker's memory
(``/proc/PID/root/dev/shm``), and the kernel frees it when the worker's last process exits.

:func:`isolate` runs on the worker's main thread before any thread starts and before Landlock
(whose ``/dev/shm`` rule must name the new tmpfs), after tutor.interpreter.netns, whose user
namespace (where one was needed) also gives the rights to mount. Where neither root nor a user
namespace allows it, cells share the machine's ``/dev/shm`` and the report says so.
"""

from __future__ import annotations

import ctypes
import os
import sys
from typing import Any

_CLONE_NEWNS = 0x00020000
_MS_NOSUID, _MS_NODEV, _MS_REC, _MS_PRIVATE = 0x2, 0x4, 0x4000, 0x40000
SHM = "/dev/shm"


def isolate(size: int) -> dict[str, Any]:
    """A private tmpfs on /dev/shm of ``size`` bytes (0: the tmpfs default, half the RAM)."""
    if not sys.platform.startswith("linux") or not os.path.isdir(SHM):
        return {"private": False, "note": "no private /dev/shm: it needs Linux mount namespaces"}
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]

    def failed(step: str) -> dict[str, Any]:
        why = os.strerror(ctypes.get_errno())
        return {"private": False, "note": f"cells share the machine's /dev/shm ({step}: {why})"}

    if libc.unshare(_CLONE_NEWNS) != 0:
        return failed("no mount namespace")
    # Nothing mounted here may reach the machine's mount table.
    if libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        return failed("mounts not private")
    options = f"mode=1777,size={size}" if size > 0 else "mode=1777"
    if libc.mount(b"tmpfs", SHM.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, options.encode()) != 0:
        return failed("tmpfs refused")
    return {"private": True, "note": ""}


def usage(pid: int) -> int | None:
    """Client side: bytes in the private /dev/shm of worker ``pid``, or None if unreadable."""
    try:
        st = os.statvfs(f"/proc/{pid}/root{SHM}")
    except OSError:
        return None
    return (st.f_blocks - st.f_bfree) * st.f_frsize
