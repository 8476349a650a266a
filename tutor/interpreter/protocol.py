"""Provides the JSON-lines protocol between the client and the worker (never pickle).

One message per line, UTF-8 JSON objects. Pickle is never used: unpickling what a worker
sends would run learner code inside the UI process.

Client -> worker (field ``op``):
    {"op": "exec", "id": 7, "code": "...", "ns": "tensors"}
        optional: "lang": "zh" (what the check helper ``say`` answers in), "role": "check" (a
        lesson check: runs with the check helpers, over a copy of the namespace), "setup": "..."
        (a lesson's hidden setup code, run in the namespace before the cell)
    {"op": "reset", "id": 8, "ns": "tensors"}
    {"op": "shutdown"}

Worker -> client (field ``type``):
    {"type": "ready", "device": {...}, "pid": 123, "sandbox": {...}, "memory": {...}}
    {"type": "display", "id": 7, "data": {...}}         # a `show` picture, plain lists
    {"type": "result", "id": 7, "status": "ok", ...}    # the end of a cell; also value, error_type,
                                                        # error_message, traceback,
                                                        # dropped_bytes, detail, stopped (how
                                                        # many processes the cell left running
                                                        # were killed; null: not all) (optional)
    {"type": "done", "id": 8}                           # the end of reset

A cell's output (stdout and stderr) is not a message: it flows on the worker's fd 1 and 2,
bracketed by marker lines that start with ``MARKER`` (see tutor.interpreter.capture).
"""

from __future__ import annotations

import json
from typing import Any

# How a marker line starts: MARKER, the worker's token, ":S:" or ":E:", the cell id, a newline.
# The worker writes them (capture.py); the client splits the output pipe at them (outputs.py).
MARKER = b"\x00tt:"

# The longest line the client accepts. Worker-side caps (output, value, pictures) keep
# honest messages far below this; a longer line means the channel was tampered with.
MAX_LINE = 64 * 1024 * 1024


class ProtocolError(ValueError):
    """A line from the worker that is not a protocol message."""


def encode(message: dict[str, Any]) -> bytes:
    """One message as one line of bytes. ensure_ascii keeps every line free of raw newlines."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=True).encode("ascii") + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    """Parse one line; anything but a JSON object with a string ``type`` or ``op`` is refused."""
    try:
        message = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"not JSON: {line[:80]!r}") from exc
    if not isinstance(message, dict) or not isinstance(message.get("type", message.get("op")), str):
        raise ProtocolError(f"not a protocol message: {line[:80]!r}")
    return message
