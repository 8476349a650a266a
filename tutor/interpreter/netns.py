"""Provides a private network for the worker: a Linux network namespace with only loopback, up.

Why: ``torch.distributed`` (gloo) meets on TCP, and a lesson on DistributedDataParallel starts a
process group of two inside a cell. Landlock can refuse TCP but cannot tell loopback from the
internet; a network namespace can. Inside a new one the only interface is ``lo``: cells may
listen on and connect to 127.0.0.1 (their own, not the machine's), and nothing else is
reachable: no other interface, no route, no DNS, over TCP or UDP. The worker's pipes to the UI are
unaffected.

:func:`isolate` must run on the worker's main thread before any thread starts (a user namespace
refuses a threaded process), i.e. before the sandbox goes on and before torch is imported. As
root (or with CAP_SYS_ADMIN) it needs ``unshare(CLONE_NEWNET)`` alone; otherwise it first makes a
user namespace that maps the user to itself, where the kernel allows unprivileged ones (some
distributions turn them off, e.g. Ubuntu 24.04's AppArmor rule). Where neither works the worker
keeps the machine's network, Landlock keeps refusing TCP, and lessons that need loopback say why
they cannot run (:data:`UNAVAILABLE` in the report's note).
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import socket
import struct
import sys
from typing import Any

ENV = "TORCH_TUTOR_NETNS"  # 0/off/no: no private network (Landlock refuses TCP, as without one)
_CLONE_NEWNET, _CLONE_NEWUSER = 0x40000000, 0x10000000
_SIOCGIFFLAGS, _SIOCSIFFLAGS = 0x8913, 0x8914
_IFF_UP = 0x1


def isolate() -> dict[str, Any]:
    """Move this process into a new network namespace with loopback up. Returns the report:

    ``loopback``: True when cells have a private 127.0.0.1 and no other network;
    ``note``: why not, otherwise.
    """
    if os.environ.get(ENV, "").strip().lower() in ("0", "off", "no"):
        return {"loopback": False, "note": f"the private network was turned off ({ENV}=0)"}
    if not sys.platform.startswith("linux"):
        return {"loopback": False, "note": "a private network needs Linux network namespaces"}
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(_CLONE_NEWNET) != 0:
        first = os.strerror(ctypes.get_errno())
        uid, gid = os.getuid(), os.getgid()
        if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) != 0:
            why = os.strerror(ctypes.get_errno())
            note = f"no network namespace here ({first}; as a user: {why})"
            return {"loopback": False, "note": note}
        try:  # keep our own ids inside the user namespace, so files stay ours
            _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"{uid} {uid} 1")
            _write("/proc/self/gid_map", f"{gid} {gid} 1")
        except OSError as exc:
            return {"loopback": False, "note": f"user namespace without id maps: {exc}"}
    try:
        _loopback_up()
    except OSError as exc:
        return {"loopback": False, "note": f"network namespace without loopback: {exc}"}
    # With no DNS in here, c10d (torch.distributed) logs a C++ warning on every connection that
    # it cannot look up the peer's name ("The hostname of the client socket cannot be retrieved"):
    # noise in every gloo cell. torch reads this once, when the worker imports it.
    os.environ.setdefault("TORCH_CPP_LOG_LEVEL", "ERROR")
    return {"loopback": True, "note": ""}


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, _SIOCGIFFLAGS, request))[1]
        if not flags & _IFF_UP:
            fcntl.ioctl(sock, _SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | _IFF_UP))


def interfaces() -> list[str]:
    """The network interfaces this process can see (only ``lo`` once isolated)."""
    return [name for _, name in socket.if_nameindex()]
