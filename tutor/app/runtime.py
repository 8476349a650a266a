"""Provides InterpreterHost: the app's one interpreter, which lesson cells have run in it, and its label."""

from __future__ import annotations

import asyncio
from typing import Any

# Results after which the worker process (and every namespace in it) is gone; the client's
# generation count says so too, this is belt and braces.
NAMESPACE_LOST = ("crashed",)


def _interpreter_class():
    # Imported late: the client is light, but nothing of the interpreter is needed to draw the home screen.
    try:
        from tutor.interpreter import Interpreter
    except ImportError:
        from tutor.interpreter.client import Interpreter
    return Interpreter


class InterpreterHost:
    """Owns the Interpreter and remembers which steps have run in each lesson's namespace.

    Lessons build on their earlier cells like a notebook, so before a step runs, the steps before
    it must have run since the worker last (re)started; ``ran`` tracks that.
    """

    def __init__(self, *, device: str | None = None, options: dict[str, Any] | None = None) -> None:
        self.device_request = device
        self.options = dict(options or {})
        self.interp: Any = None
        self.device: Any = None  # DeviceInfo once started
        self.error: str = ""  # why the last start or restart failed
        self.ran: dict[str, set[int]] = {}
        self._generation: int | None = None
        self.lock = asyncio.Lock()  # one cell (or replay) at a time

    @property
    def state(self) -> str:
        if self.error:
            return "failed"
        if self.interp is None:
            return "starting"
        return str(getattr(self.interp, "state", "starting"))

    async def start(self) -> Any:
        self.error = ""
        try:
            if self.interp is None:
                cls = _interpreter_class()
                self.interp = cls(device=self.device_request, **self.options)
            self.device = await self.interp.start()
        except Exception as exc:  # any failure must reach the status bar, never crash the UI
            self.error = f"{type(exc).__name__}: {exc}"
            raise
        self.ran.clear()
        return self.device

    async def restart(self) -> Any:
        if self.interp is None or self.error:
            return await self.start()
        self.ran.clear()
        try:
            self.device = await self.interp.restart()
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            raise
        return self.device

    async def interrupt(self) -> None:
        if self.interp is not None:
            await self.interp.interrupt()

    async def reset_namespace(self, namespace: str) -> None:
        self.ran.pop(namespace, None)
        if self.interp is not None:
            await self.interp.reset_namespace(namespace)

    @property
    def generation(self) -> int | None:
        return getattr(self.interp, "generation", None)

    def _check_generation(self) -> None:
        # The client counts workers: a new one (restart, kill after a stuck interrupt) has
        # empty namespaces.
        generation = getattr(self.interp, "generation", None)
        if generation != self._generation:
            self.ran.clear()
            self._generation = generation

    def note_result(self, namespace: str, step: int, status: str) -> None:
        """Record a run; a crash or a kill empties every namespace."""
        self._check_generation()
        if status in NAMESPACE_LOST:
            self.ran.clear()
        else:
            self.ran.setdefault(namespace, set()).add(step)

    def missing(self, namespace: str, upto: int, runnable: list[bool]) -> list[int]:
        """Runnable steps before ``upto`` that have not run in ``namespace`` since the last start."""
        self._check_generation()
        done = self.ran.get(namespace, set())
        return [i for i in range(upto) if runnable[i] and i not in done]

    async def shutdown(self) -> None:
        if self.interp is not None:
            try:
                await asyncio.wait_for(self.interp.shutdown(), timeout=5)
            except Exception:
                pass  # quitting must not hang or fail on a dying worker
