"""Provides InterpreterHost: the app's one interpreter, which lesson cells have run in it, and its label."""

from __future__ import annotations

import asyncio
from typing import Any


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
        return self.interp.state

    async def start(self) -> Any:
        self.error = ""
        try:
            if self.interp is None:
                # Imported late: nothing of the interpreter is needed to draw the home screen.
                from tutor.interpreter.client import Interpreter

                self.interp = Interpreter(device=self.device_request, **self.options)
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
        return self.interp.generation if self.interp is not None else None

    def _check_generation(self) -> None:
        # The client counts workers: a new one (restart, crash, kill after a stuck interrupt or
        # over the memory limit) has empty namespaces.
        generation = self.generation
        if generation != self._generation:
            self.ran.clear()
            self._generation = generation

    def note_result(self, namespace: str, step: int, generation: int | None) -> None:
        """Record that ``step`` ran; ``generation`` is the one read just before it began.

        A run whose worker was lost on the way (crash, kill over a limit or a stuck interrupt)
        left nothing behind, so it is not recorded.
        """
        self._check_generation()
        if generation == self._generation:
            self.ran.setdefault(namespace, set()).add(step)

    def missing(self, namespace: str, upto: int) -> list[int]:
        """Steps before ``upto`` that have not run in ``namespace`` since the worker started."""
        self._check_generation()
        done = self.ran.get(namespace, set())
        return [i for i in range(upto) if i not in done]

    async def shutdown(self) -> None:
        if self.interp is not None:
            try:
                await asyncio.wait_for(self.interp.shutdown(), timeout=5)
            except Exception:
                pass  # quitting must not hang or fail on a dying worker
