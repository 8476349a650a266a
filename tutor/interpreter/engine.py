"""Provides the engine behind the client: the active worker, the spare, cells, limits, restarts.

Every method runs on the engine's own event loop (see client.py), so the state needs no locks
beyond the one that lets one cell run at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from dataclasses import dataclass
from typing import Any

from tutor.interpreter import limits, private_shm
from tutor.interpreter.outcome import KILL_AFTER, LOST, Cell, Emit, build_result
from tutor.interpreter.outputs import CellOutput
from tutor.interpreter.process import Reaper, WorkerProcess, WorkerStartError, describe_exit
from tutor.interpreter.results import DeviceInfo, ExecResult

RESEND_EVERY = 0.25  # SIGINT is repeated: one sent just before the cell started would be lost
WATCH_EVERY = 0.1  # RSS watchdog period
OUTPUT_GRACE = 1.0  # after a result, how long the end-of-output marker may lag


@dataclass
class Settings:
    device: str | None
    default_timeout: float
    memory_limit: int  # bytes; 0 means no limit
    output_limit: int
    spare: bool
    workdir: str
    sandbox: bool = True
    reaper: Reaper | None = None  # the session's reaper (client.py starts it with the session)
    file_limit: int = limits.FILE_LIMIT  # bytes: one file (RLIMIT_FSIZE) and the whole folder


class Engine:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.state = "stopped"
        self.device: DeviceInfo | None = None
        self.generation = 0  # +1 whenever namespaces are lost (a new worker takes over)
        self.active: WorkerProcess | None = None
        self.spare: WorkerProcess | None = None
        self.notice = ""  # why the worker was replaced between cells, told with the next result
        self._ids = itertools.count(1)
        self._lock: asyncio.Lock | None = None
        self._booting: asyncio.Task[WorkerProcess] | None = None
        self._spare_task: asyncio.Task[None] | None = None
        self._reaping: set[asyncio.Task[Any]] = set()  # kills of retired workers, still running
        self._closing = False
        self._folder_used = 0  # the session folder's size at its last reading (_watch_folder)

    # -- workers ---------------------------------------------------------------------------

    async def _spawn(self) -> WorkerProcess:
        s = self.settings
        config = {
            "device": s.device,
            "memory_limit": s.memory_limit,
            "output_limit": s.output_limit,
            "sandbox": s.sandbox,
            "file_limit": s.file_limit,
        }
        worker = WorkerProcess(config, s.workdir, self, s.reaper)
        await worker.start()
        return worker

    async def start(self) -> DeviceInfo:
        if self._lock is None:
            self._lock = asyncio.Lock()
        self._closing = False
        if self.active is None or not self.active.alive:
            await self._promote(cold_only=True)
        assert self.device is not None
        return self.device

    async def _promote(self, cold_only: bool = False) -> WorkerProcess:
        """Wait for a ready active worker: the spare if there is one, else a cold start."""
        return await asyncio.shield(self._start_promote(cold_only))

    def _start_promote(self, cold_only: bool = False) -> asyncio.Task[WorkerProcess]:
        if self._booting is None:
            self.state = "starting" if self.generation == 0 else "restarting"
            task = asyncio.get_running_loop().create_task(self._take_worker(cold_only))
            task.add_done_callback(self._booted)
            self._booting = task
        return self._booting

    def _booted(self, task: asyncio.Task[WorkerProcess]) -> None:
        if self._booting is task:
            self._booting = None
        if not task.cancelled():
            task.exception()  # seen here, so asyncio does not warn about it; awaiters re-raise it

    async def _take_worker(self, cold_only: bool) -> WorkerProcess:
        spare, self.spare = self.spare, None
        if spare is None and self._spare_task is not None and not cold_only:
            with contextlib.suppress(Exception):
                await self._spare_task  # a spare half-way through booting is nearer than a new one
            spare, self.spare = self.spare, None
        try:
            worker = spare if spare is not None and spare.alive else await self._spawn()
        except WorkerStartError:
            self.state = "stopped"
            raise
        self.active = worker
        self.device = worker.device
        self.generation = max(self.generation, 1)
        self.state = "ready"
        self._plan_spare()
        return worker

    def _plan_spare(self) -> None:
        if not self.settings.spare or self._closing or self.spare is not None:
            return
        if self._spare_task is not None and not self._spare_task.done():
            return
        if self.active and not limits.spare_allowed(self.active.ready.get("memory", {}).get("rss")):
            return
        self._spare_task = asyncio.get_running_loop().create_task(self._boot_spare())

    async def _boot_spare(self) -> None:
        try:
            worker = await self._spawn()
        except WorkerStartError:
            return
        if self._closing or self.spare is not None:
            await worker.kill()
        else:
            self.spare = worker

    def _retire(self, old: WorkerProcess) -> None:
        """Take ``old`` out of service now; it and all its processes are killed in the background."""
        if old is self.active:
            self.active = None
            self.generation += 1  # its namespaces are gone from this moment
        if old is self.spare:
            self.spare = None
        if old.retired:
            return
        old.retired = True
        task = asyncio.get_running_loop().create_task(old.kill())
        self._reaping.add(task)
        task.add_done_callback(self._reaping.discard)

    async def _ready_worker(self) -> WorkerProcess:
        if self.active is not None and self.active.alive and self._booting is None:
            return self.active
        return await self._promote()

    # -- what workers report (Listener) ------------------------------------------------------

    def on_exit(self, worker: WorkerProcess, code: int) -> None:
        cell = worker.cell
        running = cell is not None and not cell.done.done()
        if cell is not None and running:
            cell.exit_code = code
            cell.end_output()
            cell.done.set_result(None)
        if worker is self.spare:
            self.spare = None
        if worker is self.active and not self._closing:
            # The next cell gets a fresh worker (the spare, if booted). A death between cells
            # (a learner thread, the system OOM killer) is told with the next result.
            if not running:
                self.notice = f"the worker stopped between cells ({describe_exit(code)}); {LOST}"
            self._retire(worker)
            self._start_promote()
        elif not self._closing:
            self._retire(worker)  # children it left and its cgroup still need cleaning up

    def on_message(self, worker: WorkerProcess, message: dict[str, Any]) -> None:
        cell = worker.cell
        if cell is None or message.get("id") != cell.id:
            return  # a background thread's picture after its cell ended
        kind = message.get("type")
        if kind == "display" and isinstance(message.get("data"), dict):
            cell.displays.append(message["data"])
            cell.emit("display", message["data"])
        elif kind in ("result", "done") and not cell.done.done():
            cell.done.set_result(message)

    def on_output(self, worker: WorkerProcess, data: bytes) -> None:
        worker.capturing.take_output(data)

    def on_marker(self, worker: WorkerProcess, kind: str, cell_id: int) -> None:
        cell = worker.cell
        if kind == "S" and cell is not None and cell.id == cell_id:
            worker.capturing = cell
        elif kind == "E" and worker.capturing is not None and worker.capturing.id == cell_id:
            worker.capturing.end_output()
            worker.capturing = None

    # -- cells -----------------------------------------------------------------------------

    def _new_cell(self, emit: Emit, timeout: float) -> Cell:
        loop = asyncio.get_running_loop()
        return Cell(
            id=next(self._ids),
            emit=emit,
            timeout=timeout,
            out=CellOutput(self.settings.output_limit),
            done=loop.create_future(),
            output_ended=loop.create_future(),
            memory_limit=self.settings.memory_limit,
        )

    async def execute(
        self,
        code: str,
        timeout: float | None,
        namespace: str,
        emit: Emit,
        options: dict[str, Any] | None = None,
    ) -> ExecResult:
        if self.active is None and self._booting is None:
            await self.start()
        assert self._lock is not None
        async with self._lock:
            worker = await self._ready_worker()
            cell = self._new_cell(
                emit, self.settings.default_timeout if timeout is None else timeout
            )
            worker.cell = cell
            self.state = "busy"
            started = time.perf_counter()
            loop = asyncio.get_running_loop()
            watchdog = loop.create_task(self._watch_memory(worker, cell))
            files = loop.create_task(self._watch_folder(worker, cell))
            try:
                if not worker.send(
                    {"op": "exec", "id": cell.id, "code": code, "ns": namespace, **(options or {})}
                ):
                    cell.exit_code = worker.returncode if worker.returncode is not None else -9
                    cell.done.set_result(None)
                try:
                    limit = cell.timeout if cell.timeout > 0 else None
                    await asyncio.wait_for(asyncio.shield(cell.done), limit)
                except asyncio.TimeoutError:
                    await self._stop(worker, cell, "timeout")
                message = cell.done.result()
                if message is not None:
                    await asyncio.wait([cell.output_ended], timeout=OUTPUT_GRACE)
            except asyncio.CancelledError:
                # The caller gave up: the cell must still end before anything else runs.
                await asyncio.shield(self._stop(worker, cell, "interrupt"))
                raise
            finally:
                watchdog.cancel()
                files.cancel()
                worker.cell = worker.capturing = None
                if self.state == "busy":
                    self.state = "ready"
            notice, self.notice = self.notice, ""
            return build_result(cell, message, time.perf_counter() - started, notice)

    async def interrupt(self) -> None:
        worker = self.active
        if worker is not None and worker.cell is not None and not worker.cell.stopping:
            asyncio.get_running_loop().create_task(self._stop(worker, worker.cell, "interrupt"))

    async def _stop(self, worker: WorkerProcess, cell: Cell, why: str) -> None:
        """SIGINT (repeated) for up to KILL_AFTER seconds, then kill the worker's whole tree."""
        if not cell.stopping:
            cell.stopping = why
        deadline = time.monotonic() + KILL_AFTER
        while not cell.done.done() and time.monotonic() < deadline:
            worker.interrupt()
            await asyncio.wait([cell.done], timeout=min(RESEND_EVERY, deadline - time.monotonic()))
        if not cell.done.done():
            cell.killed = True
            await worker.kill()

    async def _watch_memory(self, worker: WorkerProcess, cell: Cell) -> None:
        memory = worker.ready.get("memory", {})
        budget, baseline = memory.get("budget") or 0, memory.get("rss")
        if not budget or baseline is None:
            return
        ceiling = baseline + budget + limits.RSS_SLACK
        shm = bool(worker.ready.get("sandbox", {}).get("shm"))
        while not cell.done.done():
            await asyncio.sleep(WATCH_EVERY)
            # Every process the cell started counts (forked children, DataLoader workers).
            group = worker.group.procs() if worker.group is not None else None
            used = await asyncio.to_thread(limits.tree_memory, worker.pid, group)
            if used is not None and shm:  # its own /dev/shm is memory too (private_shm)
                used += private_shm.usage(worker.pid) or 0
            if used is not None and used > ceiling and not cell.done.done():
                cell.stopping, cell.killed, cell.memory_seen = "memory", True, used
                await worker.kill()
                return

    async def _watch_folder(self, worker: WorkerProcess, cell: Cell) -> None:
        """Stop a cell whose writes take the session folder past the file limit."""
        limit, folder = self.settings.file_limit, self.settings.workdir
        if not limit or not folder:
            return
        # Measured only while a cell runs past FOLDER_EVERY (quick cells pay nothing); a folder
        # that is over the limit stops a cell only while it grows past the last reading.
        while not cell.done.done():
            await asyncio.sleep(limits.FOLDER_EVERY)
            used = await asyncio.to_thread(limits.folder_usage, folder)
            known, self._folder_used = self._folder_used, used
            if used > limit and used > known and not cell.done.done():
                cell.folder_seen, cell.file_limit = used, limit
                await self._stop(worker, cell, "files")
                return

    async def restart(self) -> DeviceInfo:
        if self._lock is None:
            return await self.start()
        worker = self.active
        if worker is not None:
            if worker.cell is not None:
                worker.cell.stopping, worker.cell.killed = "restart", True
            self._retire(worker)
        await self._promote()
        assert self.device is not None
        return self.device

    async def reset_namespace(self, namespace: str) -> None:
        if self._lock is None:
            return
        async with self._lock:
            worker = await self._ready_worker()
            cell = self._new_cell(lambda kind, data: None, 0)
            worker.cell = cell
            try:
                if worker.send({"op": "reset", "id": cell.id, "ns": namespace}):
                    await asyncio.wait([cell.done], timeout=10)
            finally:
                worker.cell = None

    async def shutdown(self) -> None:
        self._closing = True
        if self.active is not None and self.active.cell is not None:
            self.active.cell.stopping, self.active.cell.killed = "restart", True
        tasks = [t for t in (self._spare_task, self._booting) if t is not None and not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        workers = [w for w in (self.active, self.spare) if w is not None]
        self.active = self.spare = None
        # A busy worker would not read the shutdown request: kill it at once.
        stops = [w.kill() if w.cell is not None else w.stop() for w in workers]
        await asyncio.gather(*stops, *self._reaping, return_exceptions=True)
        self.state = "stopped"
