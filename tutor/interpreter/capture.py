"""Provides the worker's two channels: the protocol pipe and the output pipe with cell markers.

fd 1 and fd 2 of the worker are one pipe that the client reads directly. One pipe (not two)
keeps stdout and stderr in the exact order the program wrote them, so a recorded expected
output is deterministic; the client reading it (not a thread in the worker) means output
written just before a crash or a kill is never lost, and the client counts and drops what is
over the cap without the worker buffering anything. The worker brackets each cell with marker
lines (a NUL byte, a per-worker token, start or end, the cell id) written atomically to a
private copy of the pipe, so learner code that closes or redirects fd 1 cannot lose them.
"""

from __future__ import annotations

import io
import os
import sys
import threading
from typing import Any

from tutor.interpreter.protocol import MARKER, encode


def marker(token: str, kind: str, cell: int) -> bytes:
    """The line that brackets a cell's output: kind "S" (start) or "E" (end)."""
    return MARKER + token.encode("ascii") + f":{kind}:{cell}\n".encode("ascii")


class Channel:
    """Writes protocol messages to the private fd, from the worker's own process only."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.pid = os.getpid()
        self.lock = threading.Lock()
        os.set_inheritable(fd, False)  # programs a cell runs never hold the protocol
        # Forked children (DataLoader workers, learner forks) must never write to the protocol,
        # and must not keep it open: the client sees EOF when the worker itself dies.
        os.register_at_fork(after_in_child=lambda: _close(fd))

    def send(self, message: dict[str, Any]) -> None:
        if os.getpid() != self.pid:
            return
        data = memoryview(encode(message))
        with self.lock:
            while data:
                data = data[os.write(self.fd, data) :]


class _FdWriter(io.RawIOBase):
    """An unbuffered raw writer on an fd that never loses a partial write."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def write(self, data: Any) -> int:
        view = memoryview(data)
        size = len(view)
        while view:
            view = view[os.write(self._fd, view) :]
        return size


def _text_stream(fd: int) -> io.TextIOWrapper:
    # Unbuffered and write-through: each write reaches the pipe at once, in program order,
    # interleaved exactly with C-level writes to the same fds.
    return io.TextIOWrapper(
        _FdWriter(fd), encoding="utf-8", errors="backslashreplace", write_through=True
    )


class Capture:
    """Keeps fd 1/2 and sys.stdout/sys.stderr pointed at the output pipe; writes the markers."""

    def __init__(self, token: str) -> None:
        self._token = token
        self._fd = os.dup(1)  # private, close-on-exec copy of the output pipe, for markers
        os.register_at_fork(after_in_child=lambda: _close(self._fd))
        self._stdout = _text_stream(1)
        self._stderr = _text_stream(2)
        self._restore()
        self._fflush = _libc_fflush()

    def _restore(self) -> None:
        """Undo what an earlier cell did to fd 1/2 or sys.stdout/sys.stderr."""
        for fd in (1, 2):
            try:
                same = os.path.sameopenfile(fd, self._fd)
            except OSError:
                same = False
            if not same:
                os.dup2(self._fd, fd)
        sys.stdout = sys.__stdout__ = self._stdout
        sys.stderr = sys.__stderr__ = self._stderr

    def begin(self, cell: int) -> None:
        self._restore()
        os.write(self._fd, marker(self._token, "S", cell))

    def finish(self, cell: int) -> None:
        """Flush every buffer the cell may have filled, then mark the end of its output."""
        for stream in {sys.stdout, sys.stderr, self._stdout, self._stderr}:
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        if self._fflush is not None:
            self._fflush(None)  # C stdio buffers of extension code
        os.write(self._fd, marker(self._token, "E", cell))


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def _libc_fflush() -> Any:
    try:
        import ctypes

        return ctypes.CDLL(None).fflush
    except (OSError, AttributeError, ImportError):
        return None
