"""Provides one worker process as the client sees it: spawn, read its messages, signal, kill.

Runs on the client's engine loop; imports neither torch nor textual. Each worker starts in a
new session (its own process group), in its own pids cgroup where one can be made, with the
session folder as cwd and TMPDIR.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tutor.interpreter import cgroup
from tutor.interpreter.protocol import MAX_LINE, ProtocolError, decode, encode
from tutor.interpreter.results import DeviceInfo

_STDERR_TAIL = 8192
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent.parent)


class WorkerStartError(RuntimeError):
    """The worker process died or misbehaved before it was ready."""


def worker_env(workdir: str) -> dict[str, str]:
    """The worker's environment: scratch and cache folders inside the session folder."""
    env = dict(os.environ)
    cache = os.path.join(workdir, ".cache")
    env.update(
        TMPDIR=workdir,
        TORCHINDUCTOR_CACHE_DIR=os.path.join(cache, "inductor"),
        TRITON_CACHE_DIR=os.path.join(cache, "triton"),
        MPLCONFIGDIR=os.path.join(cache, "matplotlib"),
        CUDA_CACHE_PATH=os.path.join(cache, "nv"),
        PYTHONPATH=os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p),
    )
    return env


class WorkerProcess:
    """One worker. ``on_message(worker, message)`` and ``on_exit(worker, code)`` run on the loop."""

    def __init__(
        self,
        config: dict[str, Any],
        workdir: str,
        on_message: Callable[[WorkerProcess, dict[str, Any]], None],
        on_exit: Callable[[WorkerProcess, int], None],
    ) -> None:
        self.config = config
        self.workdir = workdir
        self._on_message = on_message
        self._on_exit = on_exit
        self.proc: asyncio.subprocess.Process | None = None
        self.group: cgroup.PidsGroup | None = None
        self.ready: dict[str, Any] = {}
        self.device: DeviceInfo | None = None
        self.cell: Any = None  # the engine's pending cell on this worker, if any
        self.returncode: int | None = None
        self.stderr_tail = b""
        self._ready: asyncio.Future[dict[str, Any]] | None = None
        self._tasks: list[asyncio.Task[Any]] = []

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.returncode is None

    async def start(self) -> dict[str, Any]:
        """Spawn and wait for the ready message. Raises WorkerStartError."""
        loop = asyncio.get_running_loop()
        self._ready = loop.create_future()
        self.group = cgroup.PidsGroup.create()
        config = {**self.config, "parent": os.getpid()}
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tutor.interpreter.worker", json.dumps(config),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, cwd=self.workdir, env=worker_env(self.workdir),
                start_new_session=True, limit=MAX_LINE,
            )  # fmt: skip
        except OSError as exc:
            self._drop_group()
            raise WorkerStartError(f"cannot start the torch worker: {exc}") from exc
        if self.group is not None and not self.group.add(self.proc.pid):
            self._drop_group()
        self._tasks = [
            loop.create_task(self._read_messages()),
            loop.create_task(self._read_stderr()),
            loop.create_task(self._wait()),
        ]
        try:
            self.ready = await self._ready
        except (WorkerStartError, asyncio.CancelledError):
            await asyncio.shield(self.kill())
            raise
        self.device = DeviceInfo.from_dict(self.ready.get("device") or {})
        return self.ready

    def send(self, message: dict[str, Any]) -> bool:
        if not self.alive or self.proc is None or self.proc.stdin is None:
            return False
        try:
            self.proc.stdin.write(encode(message))
        except (ConnectionError, RuntimeError):
            return False
        return True

    def interrupt(self) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.pid, signal.SIGINT)

    async def kill(self) -> int | None:
        """Kill the worker and everything it started; returns its exit code."""
        if self.proc is None:
            return None
        # cgroup.kill_all polls until its group is empty: keep that off the event loop.
        await asyncio.to_thread(cgroup.kill_tree, self.proc.pid, self.group)
        await self.proc.wait()
        for task in self._tasks:
            if task is not asyncio.current_task():
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, 1.0)
        self._drop_group()
        return self.returncode

    async def stop(self, grace: float = 1.0) -> None:
        """Ask the worker to exit; kill it if it does not within ``grace`` seconds."""
        if self.alive and self.send({"op": "shutdown"}):
            with contextlib.suppress(asyncio.TimeoutError):
                assert self.proc is not None
                await asyncio.wait_for(asyncio.shield(self.proc.wait()), grace)
        await self.kill()

    def _drop_group(self) -> None:
        if self.group is not None and self.group.remove():
            self.group = None

    async def _read_messages(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        stdout = self.proc.stdout
        while True:
            try:
                line = await stdout.readline()
            except (ValueError, asyncio.LimitOverrunError):
                # An over-long line is not something an honest worker sends.
                self._fail_start("the worker sent a line longer than the protocol allows")
                self.stderr_tail += b"\nprotocol violation: over-long line"
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.pid, signal.SIGKILL)
                return
            if not line:
                return
            try:
                message = decode(line)
            except ProtocolError:
                continue
            if message.get("type") == "ready" and self._ready and not self._ready.done():
                self._ready.set_result(message)
                continue
            self._on_message(self, message)

    async def _read_stderr(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        while chunk := await self.proc.stderr.read(4096):
            self.stderr_tail = (self.stderr_tail + chunk)[-_STDERR_TAIL:]

    async def _wait(self) -> None:
        assert self.proc is not None
        code = await self.proc.wait()
        # Let the readers deliver what the worker wrote before it died.
        for task in self._tasks[:2]:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(task), 0.5)
        self.returncode = code
        self._fail_start(f"the torch worker exited during start-up ({describe_exit(code)})")
        self._on_exit(self, code)

    def _fail_start(self, why: str) -> None:
        if self._ready is not None and not self._ready.done():
            tail = self.stderr_tail.decode("utf-8", "replace").strip()
            self._ready.set_exception(WorkerStartError(f"{why}\n{tail}".strip()))


def describe_exit(code: int) -> str:
    """'SIGSEGV (signal 11)' or 'exit code 3'."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "signal"
        return f"{name} (signal {-code})"
    return f"exit code {code}"
