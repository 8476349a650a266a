"""Provides one worker process as the client sees it: spawn, read its two pipes, signal, kill.

Runs on the client's engine loop; imports neither torch nor textual. Each worker starts in a
new session (its own process group), in its own pids cgroup where one can be made, with the
session folder as cwd, TMPDIR and HOME, and a minimal environment. Its configuration (with the
marker token) is the first line on its stdin, never in argv or the environment. Its fd 1 and 2
are the output pipe; protocol replies come on a separate pipe passed as an extra fd.

Every live worker is listed here, so :func:`kill_all_workers` can end them all at once from a
signal handler, and a session's reaper (tutor.interpreter.reaper) is told about each one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import sys
import threading
from pathlib import Path
from typing import Any, Protocol

from tutor.interpreter import cgroup, reaper
from tutor.interpreter.outputs import OutputSplitter
from tutor.interpreter.protocol import MAX_LINE, ProtocolError, decode, encode
from tutor.interpreter.results import DeviceInfo

_STRAY_TAIL = 8192  # output outside any cell (boot errors) kept for error messages
_CHUNK = 1 << 18
_DRAIN_GRACE = 0.3  # after an exit, how long to wait for the pipes (children may hold them)
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent.parent)


class WorkerStartError(RuntimeError):
    """The worker process died or misbehaved before it was ready."""


# Passed on from the caller's environment: locale, and what torch, CUDA, ROCm and the CPU
# math libraries read. Everything else (secrets, tokens, the UI's own settings) stays out.
_ENV_KEEP = (
    "PATH",
    "LANG",
    "LANGUAGE",
    "TZ",
    "TERM",
    "LD_LIBRARY_PATH",
    "ATEN_CPU_CAPABILITY",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "KMP_AFFINITY",
    "CUDA_VISIBLE_DEVICES",
    "HIP_VISIBLE_DEVICES",
    "ROCR_VISIBLE_DEVICES",
    "NVIDIA_VISIBLE_DEVICES",
    "TORCH_TUTOR_SANDBOX",
)
_ENV_KEEP_PREFIXES = (
    "LC_",
    "TORCH_",
    "PYTORCH_",
    "CUDA_",
    "CUBLAS_",
    "CUDNN_",
    "NCCL_",
    "HSA_",
    "MIOPEN_",
    "ROCM_",
    "MPS_",
)
# The UI's own settings: where progress and lessons live is none of a cell's business.
_ENV_DROP = ("TORCH_TUTOR_HOME", "TORCH_TUTOR_LESSONS")


def worker_env(workdir: str) -> dict[str, str]:
    """The worker's minimal environment: HOME, scratch and cache folders in the session folder."""
    env = {
        k: v
        for k, v in os.environ.items()
        if (k in _ENV_KEEP or k.startswith(_ENV_KEEP_PREFIXES)) and k not in _ENV_DROP
    }
    env.setdefault("PATH", os.defpath)
    env.setdefault("LANG", "C.UTF-8")
    cache = os.path.join(workdir, ".cache")
    env.update(
        HOME=workdir,
        TMPDIR=workdir,
        XDG_CACHE_HOME=cache,
        TORCHINDUCTOR_CACHE_DIR=os.path.join(cache, "inductor"),
        TRITON_CACHE_DIR=os.path.join(cache, "triton"),
        MPLCONFIGDIR=os.path.join(cache, "matplotlib"),
        CUDA_CACHE_PATH=os.path.join(cache, "nv"),
        PYTHONPATH=_PACKAGE_ROOT,
        PYTHONNOUSERSITE="1",
    )
    return env


class Reaper:
    """The owner's end of a session's reaper process (tutor.interpreter.reaper)."""

    def __init__(self, folder: str | None) -> None:
        import subprocess

        self.proc = subprocess.Popen(
            [sys.executable, "-S", "-m", "tutor.interpreter.reaper"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd="/",
            env={"PATH": os.environ.get("PATH", os.defpath), "PYTHONPATH": _PACKAGE_ROOT},
            start_new_session=True,  # a terminal's SIGHUP or Ctrl+C must not end it before us
        )
        self._lock = threading.Lock()
        _reapers.add(self.proc.pid)
        if folder:
            self.tell(f"folder {folder}")

    def tell(self, line: str) -> None:
        with self._lock:
            stdin = self.proc.stdin
            if stdin is None or stdin.closed:
                return
            try:
                stdin.write(line.encode("utf-8", "surrogateescape") + b"\n")
                stdin.flush()
            except (OSError, ValueError):
                pass

    def close(self) -> None:
        """Everything is cleaned up already: the reaper sweeps once more (finds nothing), exits."""
        with self._lock:
            if self.proc.stdin is not None and not self.proc.stdin.closed:
                with contextlib.suppress(OSError):
                    self.proc.stdin.close()
        try:
            self.proc.wait(5)
        except Exception:
            pass
        _reapers.discard(self.proc.pid)


_live: set[WorkerProcess] = set()  # every worker spawned and not yet killed and waited for
_reapers: set[int] = set()  # reaper pids: they must outlive us, so kill_children skips them
_refusing = threading.Event()  # set by kill_all_workers: the process is going away


def reaper_pids() -> set[int]:
    return set(_snapshot(_reapers))


def _snapshot(items: set[Any]) -> list[Any]:
    """A copy of a set the engine thread may change meanwhile (a signal handler reads it)."""
    for _ in range(100):
        try:
            return list(items)
        except RuntimeError:  # changed size during iteration
            continue
    return []


def kill_all_workers() -> None:
    """SIGKILL every worker of this process and all they started, and refuse new workers.

    For exit signal handlers: thread-safe, one pass, no waiting. A process forked during the
    pass is left to the session's reaper, which sweeps again once this process has exited.
    """
    _refusing.set()
    for worker in _snapshot(_live):
        proc = worker.proc
        if proc is None or proc.returncode is not None:
            continue
        cgroup.kill_tree(proc.pid, None)
        if worker.group is not None:
            worker.group.kill_others(None, deadline=0)


class Listener(Protocol):
    """What a worker reports to its engine (all on the engine loop)."""

    def on_message(self, worker: WorkerProcess, message: dict[str, Any]) -> None: ...
    def on_output(self, worker: WorkerProcess, data: bytes) -> None: ...
    def on_marker(self, worker: WorkerProcess, kind: str, cell: int) -> None: ...
    def on_exit(self, worker: WorkerProcess, code: int) -> None: ...


class WorkerProcess:
    """One worker process and its pipes."""

    def __init__(
        self, config: dict[str, Any], workdir: str, listener: Listener, reaper: Reaper | None = None
    ) -> None:
        self.config = config
        self.workdir = workdir
        self.listener = listener
        self.reaper = reaper
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
        if _refusing.is_set():
            raise WorkerStartError("this process is shutting down")
        loop = asyncio.get_running_loop()
        self._ready = loop.create_future()
        # In a thread: it first empties groups that dead sessions left, which may take a moment.
        self.group = await asyncio.to_thread(cgroup.PidsGroup.create)
        reply_r, reply_w = os.pipe()
        group = str(self.group.path) if self.group is not None else None
        config = {**self.config, "proto_fd": reply_w, "token": self.token, "cgroup": group}
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tutor.interpreter.worker",
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
        _live.add(self)
        if self.group is not None and not self.group.add(self.proc.pid):
            self._drop_group()
            config["cgroup"] = None
        if self.reaper is not None:
            since = reaper.start_time(self.proc.pid)
            if since is not None:
                where = f" {self.group.path}" if self.group is not None else ""
                self.reaper.tell(f"watch {self.proc.pid} {since}{where}")
        # The configuration, with the token, is the first line on the worker's stdin.
        self.send(config)
        if _refusing.is_set():  # a signal handler ran while we spawned: it missed this one
            await self.kill()
            raise WorkerStartError("this process is shutting down")
        self._replies = replies = asyncio.StreamReader(limit=MAX_LINE)
        self._replies_transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(replies), os.fdopen(reply_r, "rb", 0)
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
        await asyncio.to_thread(self._drop_group)
        _live.discard(self)
        if self.reaper is not None:
            self.reaper.tell(f"forget {self.proc.pid}")
        return self.returncode

    async def stop(self, grace: float = 1.0) -> None:
        """Ask the worker to exit; kill it if it does not within ``grace`` seconds."""
        if self.alive and self.send({"op": "shutdown"}):
            with contextlib.suppress(asyncio.TimeoutError):
                assert self.proc is not None
                await asyncio.wait_for(asyncio.shield(self.proc.wait()), grace)
        await self.kill()

    def _drop_group(self) -> None:
        # Killed processes hold the folder until they have fully exited: retry for a while.
        if self.group is not None and self.group.remove_retrying():
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
