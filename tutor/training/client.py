"""Provides the asyncio client that runs the training worker process (usable without torch: the UI and the CLI use it)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections import deque
from collections.abc import AsyncIterator

from tutor.training.config import TrainConfig
from tutor.training.protocol import (
    FINAL_EVENTS,
    MAX_LINE,
    Command,
    Event,
    Exit,
    Pause,
    ProtocolError,
    Quit,
    Ready,
    Resume,
    Stop,
    Train,
    decode_event,
    encode,
)


class WorkerError(RuntimeError):
    """The worker could not start, or died."""


class TrainingClient:
    """One training worker process. ``start()`` boots it (torch import, ~1.5 s); ``train()`` begins a run."""

    def __init__(self, *, python: str | None = None, env: dict[str, str] | None = None) -> None:
        self._python = python or sys.executable
        self._env = env
        self._proc: asyncio.subprocess.Process | None = None
        self._events: asyncio.Queue[Event] = asyncio.Queue()
        self._tasks: list[asyncio.Task] = []
        self._stderr: deque[str] = deque(maxlen=40)
        self.ready: Ready | None = None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    async def start(self, timeout: float = 60.0) -> Ready:
        """Spawn the worker and wait for its ready event (torch version, pid, threads)."""
        env = dict(os.environ if self._env is None else self._env)
        env.setdefault("PYTHONUNBUFFERED", "1")
        self._proc = await asyncio.create_subprocess_exec(
            self._python,
            "-m",
            "tutor.training.worker",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            limit=MAX_LINE,
            start_new_session=True,  # a terminal Ctrl+C reaches the client, which sends "stop"
        )
        self._tasks = [
            asyncio.create_task(self._read_stdout()),
            asyncio.create_task(self._read_stderr()),
        ]
        try:
            event = await asyncio.wait_for(self._events.get(), timeout)
        except asyncio.TimeoutError:
            await self.close()
            raise WorkerError(f"the training worker did not start within {timeout:.0f} s") from None
        if not isinstance(event, Ready):
            raise WorkerError(f"the training worker failed to start: {self.stderr_tail() or event}")
        self.ready = event
        return event

    async def _read_stdout(self) -> None:
        assert self._proc and self._proc.stdout
        while line := await self._proc.stdout.readline():
            try:
                self._events.put_nowait(decode_event(line))
            except ProtocolError:
                self._stderr.append(f"(bad protocol line) {line[:200]!r}")
        code = await self._proc.wait()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(0.05)  # let the stderr reader catch the last words
        self._events.put_nowait(Exit(code=code, stderr=self.stderr_tail()))

    async def _read_stderr(self) -> None:
        # Always drained, so a chatty worker can never block on a full pipe; only the tail is kept.
        assert self._proc and self._proc.stderr
        while line := await self._proc.stderr.readline():
            self._stderr.append(line.decode(errors="replace").rstrip())

    def stderr_tail(self) -> str:
        return "\n".join(self._stderr)

    async def _send(self, command: Command) -> None:
        if not self.running or self._proc is None or self._proc.stdin is None:
            raise WorkerError("the training worker is not running")
        self._proc.stdin.write(encode(command))
        await self._proc.stdin.drain()

    async def train(self, config: TrainConfig) -> None:
        await self._send(Train(config=config.to_dict()))

    async def pause(self) -> None:
        await self._send(Pause())

    async def resume(self) -> None:
        await self._send(Resume())

    async def stop(self) -> None:
        await self._send(Stop())

    async def events(self) -> AsyncIterator[Event]:
        """Events of the current run, ending after done, stopped, error or the worker's exit."""
        while True:
            event = await self._events.get()
            yield event
            if isinstance(event, FINAL_EVENTS):
                return

    async def close(self, timeout: float = 2.0) -> None:
        """Ask the worker to quit; kill it if it has not gone within ``timeout``."""
        proc = self._proc
        if proc is None:
            return
        if proc.returncode is None and proc.stdin is not None:
            with contextlib.suppress(OSError, RuntimeError):
                proc.stdin.write(encode(Quit()))
                await proc.stdin.drain()
                proc.stdin.close()
            try:
                await asyncio.wait_for(proc.wait(), timeout)
            except asyncio.TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, 9)
                await proc.wait()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=1.0)
            for task in pending:
                task.cancel()
        self._proc = None

    async def __aenter__(self) -> TrainingClient:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
