"""Provides the client's side of the output pipe: splitting it at cell markers, and the cap.

The client reads everything a worker writes (so no pipe ever fills and stalls the worker),
keeps the first ``limit`` bytes of each cell and only counts the rest.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable

from tutor.interpreter.protocol import MARKER

_MAX_MARKER = 64  # a marker line is short; a longer "marker" is ordinary output


class OutputSplitter:
    """Feeds bytes through, calling ``on_marker(kind, cell)`` where the worker's markers are."""

    def __init__(
        self,
        token: str,
        on_bytes: Callable[[bytes], None],
        on_marker: Callable[[str, int], None],
    ) -> None:
        self._mark = MARKER + token.encode("ascii") + b":"
        self._on_bytes = on_bytes
        self._on_marker = on_marker
        self._pending = b""

    def feed(self, data: bytes) -> None:
        buf = self._pending + data if self._pending else data
        self._pending = b""
        while True:
            start = buf.find(self._mark)
            if start < 0:
                break
            if start:
                self._on_bytes(buf[:start])
            end = buf.find(b"\n", start, start + _MAX_MARKER)
            if end < 0:
                if len(buf) - start < _MAX_MARKER:
                    self._pending = buf[start:]  # the rest of the marker is still on its way
                    return
                self._on_bytes(buf[start : start + 1])  # not a marker after all
                buf = buf[start + 1 :]
                continue
            kind, _, cell = (
                buf[start + len(self._mark) : end].decode("ascii", "replace").partition(":")
            )
            if kind in ("S", "E") and cell.isdigit():
                self._on_marker(kind, int(cell))
            else:
                self._on_bytes(buf[start : end + 1])
            buf = buf[end + 1 :]
        hold = self._partial_mark(buf)
        if len(buf) > hold:
            self._on_bytes(buf[: len(buf) - hold])
        self._pending = buf[len(buf) - hold :] if hold else b""

    def flush(self) -> None:
        """At end of stream: whatever was held back is plain output."""
        if self._pending:
            pending, self._pending = self._pending, b""
            self._on_bytes(pending)

    def _partial_mark(self, buf: bytes) -> int:
        """How many trailing bytes could be the beginning of a marker."""
        for size in range(min(len(self._mark) - 1, len(buf)), 0, -1):
            if buf.endswith(self._mark[:size]):
                return size
        return 0


class CellOutput:
    """One cell's output: the first ``limit`` bytes kept and decoded, the rest counted."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept = 0
        self.dropped = 0
        self.parts: list[str] = []
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def add(self, data: bytes) -> str:
        """Take a chunk; returns the newly kept text ("" once the cap is reached)."""
        room = max(0, self.limit - self.kept)
        keep = data[:room]
        self.kept += len(keep)
        self.dropped += len(data) - len(keep)
        text = self._decoder.decode(keep) if keep else ""
        if text:
            self.parts.append(text)
        return text

    def close(self) -> str:
        """The end: a multi-byte character cut by the cap becomes U+FFFD."""
        text = self._decoder.decode(b"", final=True)
        if text:
            self.parts.append(text)
        return text

    @property
    def text(self) -> str:
        return "".join(self.parts)
