"""Provides the worker's two channels: the protocol pipe and the output pipe with cell markers.

fd 1 and fd 2 of the worker are one pipe that the client reads directly. One pipe (not two)
keeps stdout and stderr in the exact order the program wrote them, so a recorded expected
output is deterministic; the client reading it (not a thread in the worker) means output
written just before a crash or a kill is never lost, and the client counts and drops what is
over the cap without the worker buffering anything. The worker brackets each cell with marker
lines (a NUL byte, a per-worker token, start or end, the cell id) written atomically to a
private copy of the pipe, so learner code that closes or redirects fd 1 cannot lose them.

Output of a Python thread that an earlier cell started (or that writes between cells) is not
the running cell's: ``sys.stdout``/``sys.stderr`` writes from such a thread are kept apart, up
to ``BACKGROUND_LIMIT`` bytes, and handed over with the next result as background output, so
it never lands in what the checker compares. A thread belongs to the cell it was started in
(threads alive at a cell's end are recorded as that cell's). Writes to fd 1/2 from C code in a
thread cannot be told apart and count as the running cell's; processes a cell leaves are
killed after it (tutor.interpreter.leftovers), so no process writes into a later cell.
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


BACKGROUND_LIMIT = 16_384  # bytes of background output kept until the next result


class _FdWriter(io.RawIOBase):
    """An unbuffered raw writer on an fd that never loses a partial write.

    ``diverts`` (if set) is asked on every write, in the writing thread: when it returns True
    the bytes go to ``divert`` instead of the fd.
    """

    def __init__(self, fd: int, diverts: Any = None, divert: Any = None) -> None:
        self._fd = fd
        self._diverts = diverts
        self._divert = divert

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def write(self, data: Any) -> int:
        view = memoryview(data)
        size = len(view)
        if self._diverts is not None and self._diverts():
            self._divert(bytes(view))
            return size
        while view:
            view = view[os.write(self._fd, view) :]
        return size


def _text_stream(fd: int, diverts: Any = None, divert: Any = None) -> io.TextIOWrapper:
    # Unbuffered and write-through: each write reaches the pipe at once, in program order,
    # interleaved exactly with C-level writes to the same fds, from the thread that wrote it.
    return io.TextIOWrapper(
        _FdWriter(fd, diverts, divert),
        encoding="utf-8",
        errors="backslashreplace",
        write_through=True,
    )


class Capture:
    """Keeps fd 1/2 and sys.stdout/sys.stderr pointed at the output pipe; writes the markers."""

    def __init__(self, token: str) -> None:
        self._token = token
        self._fd = os.dup(1)  # private, close-on-exec copy of the output pipe, for markers
        os.register_at_fork(after_in_child=lambda: _close(self._fd))
        self._main = threading.get_ident()
        self._cell: int | None = None  # the running cell
        self._owners: dict[int, int] = {}  # thread ident -> the cell that started it
        self._background = bytearray()
        self._background_dropped = 0
        self._lock = threading.Lock()
        self._stdout = _text_stream(1, self._elsewhere, self._keep_apart)
        self._stderr = _text_stream(2, self._elsewhere, self._keep_apart)
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

    def _elsewhere(self) -> bool:
        """Whether the writing thread belongs to no running cell (an earlier one's, or none)."""
        ident = threading.get_ident()
        if ident == self._main:
            return False
        owner = self._owners.get(ident)
        if owner is None:  # started after the last cell ended: by the running cell, if any
            return self._cell is None
        return owner != self._cell

    def _keep_apart(self, data: bytes) -> None:
        with self._lock:
            room = BACKGROUND_LIMIT - len(self._background)
            self._background += data[: max(0, room)]
            self._background_dropped += max(0, len(data) - max(0, room))

    def take_background(self) -> tuple[str, int]:
        """Background output kept since the last call, and how many bytes were over the cap."""
        with self._lock:
            data, dropped = bytes(self._background), self._background_dropped
            self._background.clear()
            self._background_dropped = 0
        return data.decode("utf-8", "replace"), dropped

    def begin(self, cell: int) -> None:
        self._restore()
        self._cell = cell
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
        # Threads alive now were started by this cell or earlier: whatever they write from now
        # on is background output. (Idents of ended threads are dropped: they are reused.)
        alive = {t.ident for t in threading.enumerate() if t.ident is not None}
        self._owners = {i: self._owners.get(i, cell) for i in alive}
        self._cell = None
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
