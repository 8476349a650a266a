"""Provides the sandboxed torch interpreter: a client (no torch here) and its worker processes.

Names load lazily so that ``python -m tutor.interpreter.worker`` does not import the client
(asyncio) and the client never imports the worker side (torch).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tutor.interpreter.client import Interpreter, SyncInterpreter
    from tutor.interpreter.process import WorkerStartError
    from tutor.interpreter.results import DeviceInfo, ExecResult

__all__ = ["DeviceInfo", "ExecResult", "Interpreter", "SyncInterpreter", "WorkerStartError"]

_HOMES = {
    "Interpreter": "tutor.interpreter.client",
    "SyncInterpreter": "tutor.interpreter.client",
    "DeviceInfo": "tutor.interpreter.results",
    "ExecResult": "tutor.interpreter.results",
    "WorkerStartError": "tutor.interpreter.process",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'tutor.interpreter' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(home), name)
