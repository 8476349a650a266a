"""Provides ``show``, the picture API every cell namespace starts with (minimal first version).

Each call sends one ``display`` message with plain lists (never pickle, never raw tensors)
through the worker's protocol channel; the client collects them in ``ExecResult.displays`` and
streams them to ``on_display``. The pictures issue extends the kinds and caps; this version
offers ``show.image`` and ``show.plot``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MAX_NUMBERS = 1_000_000  # per picture: a 1000x1000 image; keeps every message well under MAX_LINE
MAX_PER_CELL = 100


def to_plain(data: Any) -> Any:
    """Tensors, numpy arrays, nested sequences and numbers as plain JSON lists and numbers."""
    size = getattr(data, "size", None)
    numel = data.numel() if hasattr(data, "numel") else size if isinstance(size, int) else None
    if numel is not None and numel > MAX_NUMBERS:  # refuse before converting a huge tensor
        raise ValueError(f"show: {numel:,} numbers is too many (at most {MAX_NUMBERS:,})")
    if hasattr(data, "detach"):  # torch.Tensor, without importing torch here
        data = data.detach().cpu()
    if hasattr(data, "tolist"):
        data = data.tolist()
    if isinstance(data, (list, tuple)):
        return [to_plain(item) for item in data]
    if isinstance(data, bool):
        return int(data)
    if isinstance(data, (int, float)):
        return data
    raise TypeError(f"show: cannot draw a {type(data).__name__}; pass a tensor, array or list")


def _count(data: Any) -> int:
    if isinstance(data, list):
        return sum(_count(item) for item in data)
    return 1


class Show:
    """The ``show`` object of a cell namespace."""

    def __init__(self, emit: Callable[[dict[str, Any]], None]) -> None:
        self._emit = emit  # set by the worker: sends a display message for the running cell
        self._sent = 0

    def new_cell(self) -> None:
        self._sent = 0

    def image(self, data: Any, *, title: str = "") -> None:
        """Draw a 2-d grey image (H, W) or a colour one (H, W, 3), values in [0, 1] or [0, 255]."""
        self._send("image", to_plain(data), title=str(title))

    def plot(self, y: Any, x: Any = None, *, title: str = "") -> None:
        """Draw a line plot of ``y`` (against ``x`` if given)."""
        payload: dict[str, Any] = {"title": str(title)}
        if x is not None:
            payload["x"] = to_plain(x)
        self._send("plot", to_plain(y), **payload)

    def _send(self, kind: str, data: Any, **extra: Any) -> None:
        if self._sent >= MAX_PER_CELL:
            raise RuntimeError(f"show: at most {MAX_PER_CELL} pictures per cell")
        numbers = _count(data) + _count(extra.get("x", []))
        if numbers > MAX_NUMBERS:
            raise ValueError(f"show: {numbers:,} numbers is too many (at most {MAX_NUMBERS:,})")
        self._sent += 1
        self._emit({"kind": kind, "data": data, **extra})

    def __repr__(self) -> str:
        return "<show: show.image(tensor), show.plot(values)>"
