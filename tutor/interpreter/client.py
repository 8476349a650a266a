"""Provides the interpreter client: ``Interpreter`` (asyncio) and ``SyncInterpreter`` (blocking).

No torch and no textual are imported here. The workers are driven by an engine that runs on
its own event loop in a private thread, so the async API works from any running loop (the
Textual app's, a pytest-asyncio loop per test, a Textual thread worker's ``asyncio.run``) and
the sync API from any thread. Callbacks of the async API run on the caller's loop; callbacks of
the sync API run in the calling thread, in order, before ``execute`` returns.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import os
import queue
import shutil
import threading
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from tutor.interpreter import limits
from tutor.interpreter.engine import Engine, Settings
from tutor.interpreter.process import Reaper
from tutor.interpreter.results import DeviceInfo, ExecResult
from tutor.interpreter.workdir import make_workdir

SANDBOX_ENV = "TORCH_TUTOR_SANDBOX"
OutputCallback = Callable[[str], Any]
DisplayCallback = Callable[[dict[str, Any]], Any]
T = TypeVar("T")


class _Core:
    """The engine, its loop thread and the session folder, shared by both faces."""

    def __init__(
        self,
        *,
        device: str | None,
        default_timeout: float,
        memory_limit_mb: int | None,
        output_limit: int,
        spare: bool,
        workdir: str | None,
        sandbox: bool,
        file_limit_mb: int | None = None,
    ) -> None:
        memory = limits.auto_memory_limit_mb() if memory_limit_mb is None else memory_limit_mb
        files = limits.FILE_LIMIT if file_limit_mb is None else max(0, file_limit_mb) * limits.MIB
        self._own_workdir = workdir is None
        self.settings = Settings(
            device=device,
            default_timeout=float(default_timeout),
            memory_limit=max(0, int(memory)) * limits.MIB,
            output_limit=int(output_limit),
            spare=spare,
            workdir=workdir or "",
            sandbox=sandbox,
            file_limit=files,
        )
        self.engine = Engine(self.settings)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    def submit(
        self, make: Callable[[Engine], Coroutine[Any, Any, T]]
    ) -> concurrent.futures.Future[T]:
        with self._guard:
            if self._loop is None:
                if not self.settings.workdir:
                    self.settings.workdir = make_workdir()
                # Cleans up after us should this process die without doing it (SIGKILL).
                try:
                    self.settings.reaper = Reaper(
                        self.settings.workdir if self._own_workdir else None
                    )
                except OSError:
                    self.settings.reaper = None  # then a later session cleans up (cgroup.py)
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=self._loop.run_forever, name="tutor-interpreter", daemon=True
                )
                self._thread.start()
                _open_cores.add(self)
            return asyncio.run_coroutine_threadsafe(make(self.engine), self._loop)

    def close(self) -> None:
        """Stop the loop thread and remove the session folder we made (after engine shutdown)."""
        with self._guard:
            loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
            _open_cores.discard(self)
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)
            if not thread.is_alive():
                loop.close()
        if self._own_workdir and self.settings.workdir:
            shutil.rmtree(self.settings.workdir, ignore_errors=True)
            self.settings.workdir = ""
        if self.settings.reaper is not None:
            self.settings.reaper.close()
            self.settings.reaper = None
        # A later start() runs on a new loop: give it a fresh engine (asyncio objects are
        # bound to their loop); the generation count goes on, so callers see the change.
        generation = self.engine.generation
        self.engine = Engine(self.settings)
        self.engine.generation = generation

    @property
    def running(self) -> bool:
        return self._loop is not None

    def shutdown_now(self) -> None:
        if self._loop is not None:
            try:
                self.submit(lambda e: e.shutdown()).result(5)
            except Exception:
                pass
            self.close()


_open_cores: weakref.WeakSet[_Core] = weakref.WeakSet()


@atexit.register
def _shutdown_all() -> None:
    # Workers would die anyway (PR_SET_PDEATHSIG); this also removes folders and cgroups.
    for core in list(_open_cores):
        core.shutdown_now()


class _Face:
    """What both faces share: construction and read-only state."""

    def __init__(
        self,
        *,
        device: str | None = None,
        default_timeout: float = 30.0,
        memory_limit_mb: int | None = None,
        output_limit: int = 100_000,
        spare: bool = True,
        workdir: str | None = None,
        sandbox: bool | None = None,
        file_limit_mb: int | None = None,
    ) -> None:
        """``memory_limit_mb``: None picks half the available memory (1-16 GiB), 0 means none.
        ``file_limit_mb``: the most a cell may write, as one file and in the session folder
        (None: 1024; 0: no limit).
        ``default_timeout``: seconds per cell; 0 or less means none. ``workdir``: the session
        folder (default: a new temporary folder, removed at shutdown). ``sandbox=False`` (or
        ``TORCH_TUTOR_SANDBOX=off``) turns Landlock off, for diagnosing a driver it blocks."""
        if sandbox is None:
            sandbox = os.environ.get(SANDBOX_ENV, "").strip().lower() not in ("0", "off", "no")
        self._core = _Core(
            device=device,
            default_timeout=default_timeout,
            memory_limit_mb=memory_limit_mb,
            output_limit=output_limit,
            spare=spare,
            workdir=workdir,
            sandbox=sandbox,
            file_limit_mb=file_limit_mb,
        )

    @property
    def state(self) -> str:
        """One of "starting", "ready", "busy", "restarting", "stopped"."""
        return self._core.engine.state

    @property
    def device(self) -> DeviceInfo | None:
        return self._core.engine.device

    @property
    def generation(self) -> int:
        """Counts workers; when it changes, every namespace was lost."""
        return self._core.engine.generation

    @property
    def workdir(self) -> str:
        """The session folder: the worker's cwd and TMPDIR, the only place cells may write."""
        return self._core.settings.workdir

    @property
    def worker_info(self) -> dict[str, Any]:
        """The active worker's ready message: pid, sandbox report, memory, boot timings."""
        active = self._core.engine.active
        if active is None:
            return {}
        group = active.group.path if active.group is not None else None
        return {**active.ready, "cgroup": str(group) if group else None}

    @property
    def has_spare(self) -> bool:
        spare = self._core.engine.spare
        return spare is not None and spare.alive


class Interpreter(_Face):
    """The asyncio interpreter. Every coroutine may be awaited from any running loop."""

    async def _call(self, make: Callable[[Engine], Coroutine[Any, Any, T]]) -> T:
        return await asyncio.wrap_future(self._core.submit(make))

    async def start(self) -> DeviceInfo:
        """Boot the worker (torch import, device detection); returns the device once ready."""
        return await self._call(lambda e: e.start())

    async def execute(
        self,
        code: str,
        *,
        timeout: float | None = None,
        namespace: str = "main",
        on_output: OutputCallback | None = None,
        on_display: DisplayCallback | None = None,
        check: bool = False,
        lang: str = "en",
        setup: str | None = None,
    ) -> ExecResult:
        """Run one cell in ``namespace``; streams output and pictures to the callbacks.

        ``check=True`` runs a lesson's check: the check helpers (``say`` in ``lang``, ...) are
        visible to it, and names it assigns stay out of the namespace. ``setup`` is hidden code
        run in the namespace first (a lesson's ``setup``); see tutor.interpreter.protocol.
        """
        loop = asyncio.get_running_loop()

        def emit(kind: str, data: Any) -> None:
            callback = on_output if kind == "output" else on_display
            if callback is not None:
                try:
                    loop.call_soon_threadsafe(callback, data)
                except RuntimeError:
                    pass  # the caller's loop is closed: nobody is listening any more

        options = _options(check, lang, setup)
        return await self._call(lambda e: e.execute(code, timeout, namespace, emit, options))

    async def interrupt(self) -> None:
        """Interrupt the running cell (kill + restart if it does not stop within 2 s)."""
        await self._call(lambda e: e.interrupt())

    async def restart(self) -> DeviceInfo:
        """A fresh worker (the spare when there is one); all namespaces are lost."""
        return await self._call(lambda e: e.restart())

    async def reset_namespace(self, namespace: str) -> None:
        await self._call(lambda e: e.reset_namespace(namespace))

    async def shutdown(self) -> None:
        """Stop the workers, remove the session folder we made. start() may be called again."""
        if self._core.running:
            await self._call(lambda e: e.shutdown())
            await asyncio.to_thread(self._core.close)

    async def __aenter__(self) -> Interpreter:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.shutdown()


def _options(check: bool, lang: str, setup: str | None) -> dict[str, Any]:
    """The exec message's optional fields (tutor.interpreter.protocol)."""
    options: dict[str, Any] = {"lang": lang}
    if check:
        options["role"] = "check"
    if setup:
        options["setup"] = setup
    return options


class SyncInterpreter(_Face):
    """The same interpreter, blocking; a context manager. For the CLI and scripts."""

    def _call(self, make: Callable[[Engine], Coroutine[Any, Any, T]]) -> T:
        return self._core.submit(make).result()

    def start(self) -> DeviceInfo:
        return self._call(lambda e: e.start())

    def execute(
        self,
        code: str,
        *,
        timeout: float | None = None,
        namespace: str = "main",
        on_output: OutputCallback | None = None,
        on_display: DisplayCallback | None = None,
        check: bool = False,
        lang: str = "en",
        setup: str | None = None,
    ) -> ExecResult:
        events: queue.SimpleQueue[tuple[Callable[[Any], Any] | None, Any]] = queue.SimpleQueue()

        def emit(kind: str, data: Any) -> None:
            callback = on_output if kind == "output" else on_display
            if callback is not None:
                events.put((callback, data))

        options = _options(check, lang, setup)
        future = self._core.submit(lambda e: e.execute(code, timeout, namespace, emit, options))
        future.add_done_callback(lambda f: events.put((None, None)))
        try:
            while True:
                callback, data = events.get()
                if callback is None:
                    break
                callback(data)
        except KeyboardInterrupt:
            self.interrupt()  # Ctrl-C in the CLI stops the cell, then the CLI stops
            raise
        return future.result()

    def interrupt(self) -> None:
        self._call(lambda e: e.interrupt())

    def restart(self) -> DeviceInfo:
        return self._call(lambda e: e.restart())

    def reset_namespace(self, namespace: str) -> None:
        self._call(lambda e: e.reset_namespace(namespace))

    def shutdown(self) -> None:
        if self._core.running:
            self._call(lambda e: e.shutdown())
            self._core.close()

    def __enter__(self) -> SyncInterpreter:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
