"""Provides the worker's protocol channel and its output capture (fd 1 and 2, C level included).

The worker moves the real protocol pipe to a private fd before anything else, then points fd 1
and fd 2 at one capture pipe. One pipe (not two) keeps stdout and stderr in the exact order the
program wrote them, so a recorded expected output is deterministic. A thread drains the pipe
while a cell runs and streams it; at the end of a cell the main thread drains what is left
under the same lock, so every stream message precedes the cell's result. Only the first
``limit`` bytes of a cell are kept; the rest is read (no pipe ever fills up) and counted.
"""

from __future__ import annotations

import codecs
import io
import os
import select
import sys
import threading
from typing import Any

from tutor.interpreter.protocol import encode

_CHUNK = 65536
_F_SETPIPE_SZ = 1031  # Linux only; a bigger pipe means fewer wake-ups for chatty cells


class Channel:
    """Writes protocol messages to the private fd, from the worker's own process only."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.pid = os.getpid()
        self.lock = threading.Lock()
        # Forked children (DataLoader workers, learner forks) must never write to the protocol,
        # and must not keep it open: the client sees EOF when the worker itself dies.
        os.register_at_fork(after_in_child=self._close_in_child)

    def _close_in_child(self) -> None:
        try:
            os.close(self.fd)
        except OSError:
            pass

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
    """fd 1 and fd 2 into one pipe; streams what a running cell writes, capped."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        read_fd, write_fd = os.pipe()
        try:
            import fcntl

            fcntl.fcntl(write_fd, _F_SETPIPE_SZ, 1 << 20)
        except (ImportError, OSError):
            pass
        os.set_blocking(read_fd, False)
        os.dup2(write_fd, 1)
        os.dup2(write_fd, 2)
        os.close(write_fd)
        self._read_fd = read_fd
        self._lock = threading.Lock()
        self._cell: int | None = None
        self._limit = 0
        self._kept = 0
        self._dropped = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        sys.stdout = sys.__stdout__ = _text_stream(1)
        sys.stderr = sys.__stderr__ = _text_stream(2)
        self._libc_fflush = _libc_fflush()

    def start(self) -> None:
        threading.Thread(target=self._run, name="tutor-capture", daemon=True).start()

    def begin(self, cell: int, limit: int) -> None:
        with self._lock:
            self._pump()  # stray output from before this cell is dropped, not blamed on it
            self._cell = cell
            self._limit = limit
            self._kept = self._dropped = 0
            self._decoder.reset()

    def finish(self) -> tuple[int, int]:
        """Drain everything the cell wrote; returns (kept bytes, dropped bytes)."""
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        if self._libc_fflush is not None:
            self._libc_fflush(None)  # C stdio buffers of extension code
        with self._lock:
            self._pump()
            tail = self._decoder.decode(b"", final=True)
            if tail and self._cell is not None:
                self.channel.send({"type": "stream", "id": self._cell, "text": tail})
            self._cell = None
            return self._kept, self._dropped

    def _run(self) -> None:
        poller = select.poll()
        poller.register(self._read_fd, select.POLLIN)
        while True:
            poller.poll()
            with self._lock:
                self._pump()

    def _pump(self) -> None:
        """Read until the pipe is empty (caller holds the lock)."""
        while True:
            try:
                chunk = os.read(self._read_fd, _CHUNK)
            except BlockingIOError:
                return
            except InterruptedError:
                continue
            if not chunk:
                return
            self._forward(chunk)

    def _forward(self, chunk: bytes) -> None:
        if self._cell is None:
            return
        room = max(0, self._limit - self._kept)
        keep = chunk[:room]
        self._kept += len(keep)
        self._dropped += len(chunk) - len(keep)
        text = self._decoder.decode(keep) if keep else ""
        if text:
            self.channel.send({"type": "stream", "id": self._cell, "text": text})


def _libc_fflush() -> Any:
    try:
        import ctypes

        return ctypes.CDLL(None).fflush
    except (OSError, AttributeError, ImportError):
        return None
