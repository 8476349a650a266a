"""Provides one worker process as the client sees it: spawn, read its two pipes, signal, kill.

Runs on the client's engine loop; imports neither torch nor textual. Each worker starts in a
new session (its own process group), in its own pids cgroup where one can be made, with the
session folder as cwd and TMPDIR. Its fd 1 and 2 are the output pipe; protocol replies come
on a separate pipe passed as an extra fd.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import sys
from pathlib import Path
from typing import Any, Protocol

from tutor.interpreter import cgroup
from tutor.interpreter.outputs import OutputSplitter
from tutor.interpreter.protocol import MAX_LINE, ProtocolError, decode, encode
from tutor.interpreter.results import DeviceInfo

_STRAY_TAIL = 8192  # output outside any cell (boot errors) kept for error messages
_CHUNK = 1 << 18
_DRAIN_GRACE = 0.3  # after an exit, how long to wait for the pipes (children may hold them)
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


class Listener(Protocol):
    """What a worker reports to its engine (all on the engine loop)."""

    def on_message(self, worker: WorkerProcess, message: dict[str, Any]) -> None: ...
    def on_output(self, worker: WorkerProcess, data: bytes) -> None: ...
    def on_marker(self, worker: WorkerProcess, kind: str, cell: int) -> None: ...
    def on_exit(self, worker: WorkerProcess, code: int) -> None: ...


class WorkerProcess:
    """One worker process and its pipes."""

    def __init__(self, config: dict[str, Any], workdir: str, listener: Listener) -> None:
        self.config = config
        self.workdir = workdir
        self.listener = listener
        self.token = secrets.token_hex(8)
        self.proc: asyncio.subprocess.Process | None = None
        self.group: cgroup.PidsGroup | None = None
        self.ready: dict[str, Any] = {}
        self.device: DeviceInfo | None = None
        self.cell: Any = None  # the engine's pending cell on this worker, if any
        self.capturing: Any = None  # the cell whose output is flowing now (between markers)
        self.returncode: int | None = None  # set once it exited and its pipes were drained
        self.retired = False  # the engine took it out of service; its kill is under way
        self.stray_tail = b""
        self._ready: asyncio.Future[dict[str, Any]] | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._replies: asyncio.StreamReader | None = None
        self._replies_transport: asyncio.ReadTransport | None = None

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
        reply_r, reply_w = os.pipe()
        config = {**self.config, "parent": os.getpid(), "proto_fd": reply_w, "token": self.token}
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tutor.interpreter.worker",
                json.dumps(config),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                pass_fds=(reply_w,),
                cwd=self.workdir,
                env=worker_env(self.workdir),
                start_new_session=True,
            )
        except OSError as exc:
            os.close(reply_r)
            self._drop_group()
            raise WorkerStartError(f"cannot start the torch worker: {exc}") from exc
        finally:
            os.close(reply_w)
        if self.group is not None and not self.group.add(self.proc.pid):
            self._drop_group()
        self._replies = asyncio.StreamReader(limit=MAX_LINE)
        self._replies_transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(self._replies), os.fdopen(reply_r, "rb", 0)
        )
        self._tasks = [
            loop.create_task(self._read_messages()),
            loop.create_task(self._read_output()),
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
        # proc.returncode, not alive: once reaped, the pid may already be someone else's.
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.pid, signal.SIGINT)

    async def kill(self) -> int | None:
        """Kill the worker and everything it started; returns its exit code."""
        if self.proc is None:
            return None
        # cgroup.kill_all polls until its group is empty: keep that off the event loop.
        reaped = self.proc.returncode is not None
        await asyncio.to_thread(cgroup.kill_tree, self.proc.pid, self.group, reaped)
        await self.proc.wait()
        for task in self._tasks:
            if task is not asyncio.current_task():
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, 1.0)
        if self._replies_transport is not None:
            self._replies_transport.close()
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
        assert self._replies is not None
        while True:
            try:
                line = await self._replies.readline()
            except (ValueError, asyncio.LimitOverrunError):
                # An over-long line is not something an honest worker sends.
                self._fail_start("the worker sent a line longer than the protocol allows")
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
            self.listener.on_message(self, message)

    async def _read_output(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        splitter = OutputSplitter(self.token, self._output, self._marker)
        while chunk := await self.proc.stdout.read(_CHUNK):
            splitter.feed(chunk)
        splitter.flush()

    def _output(self, data: bytes) -> None:
        if self.capturing is None:
            self.stray_tail = (self.stray_tail + data)[-_STRAY_TAIL:]
        else:
            self.listener.on_output(self, data)

    def _marker(self, kind: str, cell: int) -> None:
        self.listener.on_marker(self, kind, cell)

    async def _wait(self) -> None:
        assert self.proc is not None
        code = await self.proc.wait()
        # Let the readers deliver what the worker wrote before it died. Children that outlive
        # it (until they are killed) may hold the pipes open, hence the grace period.
        readers = [asyncio.shield(task) for task in self._tasks[:2]]
        with contextlib.suppress(Exception):
            await asyncio.wait(readers, timeout=_DRAIN_GRACE)
        self.returncode = code
        self._fail_start(f"the torch worker exited during start-up ({describe_exit(code)})")
        self.listener.on_exit(self, code)

    def _fail_start(self, why: str) -> None:
        if self._ready is not None and not self._ready.done():
            tail = self.stray_tail.decode("utf-8", "replace").strip()
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
