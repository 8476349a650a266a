"""Provides the client's record of a running cell and how it becomes an ExecResult."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tutor.interpreter.limits import MIB
from tutor.interpreter.outputs import CellOutput
from tutor.interpreter.process import describe_exit
from tutor.interpreter.results import CRASHED, INTERRUPTED, LIMIT, TIMEOUT, ExecResult

KILL_AFTER = 2.0  # seconds an interrupt gets to land before kill + restart
LOST = "the worker restarted and the namespace was lost (variables from earlier cells are gone)"

BACKGROUND = (
    "a thread from an earlier cell printed meanwhile: that output is shown apart as background "
    "output, not as this cell's"
)

Emit = Callable[[str, Any], None]  # ("output", text) or ("display", data)


@dataclass
class Cell:
    id: int
    emit: Emit
    timeout: float
    out: CellOutput
    done: asyncio.Future[dict[str, Any] | None]  # the result message; None if the worker died
    output_ended: asyncio.Future[None]  # the end marker arrived: every byte is in
    displays: list[dict[str, Any]] = field(default_factory=list)
    stopping: str = ""  # why the client stopped it: timeout, interrupt, memory, files, restart
    killed: bool = False
    exit_code: int | None = None
    memory_seen: int = 0
    memory_limit: int = 0
    folder_seen: int = 0  # bytes in the session folder when the file limit stopped the cell
    file_limit: int = 0

    def take_output(self, data: bytes) -> None:
        text = self.out.add(data)
        if text:
            self.emit("output", text)

    def end_output(self) -> None:
        text = self.out.close()
        if text:
            self.emit("output", text)
        if not self.output_ended.done():
            self.output_ended.set_result(None)


def build_result(
    cell: Cell, message: dict[str, Any] | None, elapsed: float, notice: str
) -> ExecResult:
    """The ExecResult of a cell: from its result message, or from how its worker died."""
    result = ExecResult(status="ok", output=cell.out.text, elapsed=elapsed, displays=cell.displays)
    dropped = cell.out.dropped
    if message is not None:
        for key in (
            "status",
            "value",
            "error_type",
            "error_message",
            "traceback",
            "detail",
            "facts",
        ):
            if message.get(key) is not None:
                setattr(result, key, message[key])
        dropped += int(message.get("dropped_bytes") or 0)
        if "stopped" in message:
            result.detail = _join(result.detail, _stopped(message["stopped"]))
        if message.get("background") or message.get("background_dropped"):
            result.background = str(message.get("background") or "")
            more = int(message.get("background_dropped") or 0)
            cut = f" ({more} bytes more not kept)" if more else ""
            result.detail = _join(result.detail, BACKGROUND + cut)
        if result.status == INTERRUPTED and cell.stopping == "timeout":
            result.status = TIMEOUT
            result.detail = f"interrupted after the {cell.timeout:g} s timeout"
        elif result.status == INTERRUPTED and cell.stopping == "files":
            result.status, result.detail = LIMIT, _folder_full(cell)
        elif result.status == INTERRUPTED:
            result.detail = "interrupted"
    else:
        result.status, result.detail = _death(cell)
    result.dropped_bytes = dropped
    result.truncated = dropped > 0
    if notice:
        result.detail = f"{result.detail}; {notice}" if result.detail else notice
    return result


def _join(detail: str, more: str) -> str:
    return f"{detail}; {more}" if detail else more


def _stopped(count: Any) -> str:
    """The notice for processes the cell left running (the worker killed them after it)."""
    if not isinstance(count, int):
        return "processes the cell started were still running and some could not be stopped"
    if count == 1:
        return "1 process the cell started was still running and was stopped"
    return f"{count} processes the cell started were still running and were stopped"


def _folder_full(cell: Cell) -> str:
    return (
        f"stopped: the files in the session folder reached {cell.folder_seen // MIB} MiB, over "
        f"the {cell.file_limit // MIB} MiB limit; delete files you no longer need"
    )


def _death(cell: Cell) -> tuple[str, str]:
    """Status and detail for a cell whose worker died or was killed."""
    after = (
        f"killed after {KILL_AFTER:g} s: the interrupt did not land (a long C call, "
        f"or code that catches KeyboardInterrupt); {LOST}"
    )
    if cell.stopping == "timeout" and cell.killed:
        return TIMEOUT, f"timed out after {cell.timeout:g} s and {after}"
    if cell.stopping == "interrupt" and cell.killed:
        return INTERRUPTED, after
    if cell.stopping == "memory":
        return LIMIT, (
            f"killed: memory use (the worker and the processes it started) reached "
            f"{cell.memory_seen // MIB} MiB, "
            f"over the {cell.memory_limit // MIB} MiB limit; {LOST}"
        )
    if cell.stopping == "restart":
        return INTERRUPTED, f"stopped by a restart; {LOST}"
    if cell.stopping == "files" and cell.killed:
        return LIMIT, f"{_folder_full(cell)}; {LOST}"
    code = cell.exit_code if cell.exit_code is not None else -9
    how = describe_exit(code)
    if code == -9:
        how += ", killed from outside (perhaps the system ran out of memory)"
    return CRASHED, f"the worker crashed ({how}); {LOST}"
