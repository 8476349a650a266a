"""Provides the worker process, where torch lives: ``python -m tutor.interpreter.worker CONFIG``.

Boot order matters. Requests move to a private fd first (fd 0 becomes /dev/null; fd 1 and 2
are the output pipe the client reads; replies have their own pipe), the sandbox goes on before
torch is imported or any thread starts (so everything inherits it), and the memory cap comes
last, relative to the baseline after torch is imported and warmed up. Then the worker answers
one request at a time on its main thread.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import os
import signal
import sys
import time
import traceback
from typing import Any

from tutor.interpreter import cells, check_helpers, facts, limits, netns, private_shm, sandbox
from tutor.interpreter.baseline import Baseline
from tutor.interpreter.capture import Capture, Channel
from tutor.interpreter.leftovers import Leftovers
from tutor.interpreter.protocol import ProtocolError, decode
from tutor.interpreter.show import Show

_PR_SET_PDEATHSIG = 1
_RESET = "\0reset"  # no namespace has this name: the next cell restores the baseline


class Interrupts:
    """SIGINT raises KeyboardInterrupt only while a cell runs, never inside worker code."""

    def __init__(self) -> None:
        self.active = False

    def __call__(self, signum: int, frame: Any) -> None:
        if self.active:
            raise KeyboardInterrupt


def _no_input(prompt: object = "") -> str:
    raise RuntimeError(
        "input() is not available in torch-tutor cells: nobody can type into a running cell. "
        "Assign the value in the code instead, e.g. n = 5"
    )


class Worker:
    """Runs requests from the client, one at a time."""

    def __init__(
        self, channel: Channel, capture: Capture, config: dict[str, Any], interrupts: Interrupts
    ) -> None:
        import random

        import numpy
        import torch

        from tutor.interpreter.device import detect

        self.pid = os.getpid()
        self.channel = channel
        self.capture = capture
        self.leftovers = Leftovers(config.get("cgroup"))
        self.baseline: Baseline | None = None  # taken after the warm-up
        self.lesson: str | None = None  # the namespace of the last cell
        self.states: dict[str, Baseline] = {}  # each lesson's process state, while another runs
        self.output_limit = int(config.get("output_limit", 100_000))
        self.interrupts = interrupts  # already the SIGINT handler, so a boot-time Ctrl-C is ignored
        self.cell: int | None = None
        self.device, self.device_info = detect(config.get("device"))
        self.show = Show(self._display)
        self.runner = cells.CellRunner(self._fresh_namespace)
        self._seeders = (
            lambda: torch.manual_seed(0),
            lambda: random.seed(0),
            lambda: numpy.random.seed(0),
        )
        self._torch = torch

    def _fresh_namespace(self) -> dict[str, Any]:
        return {
            "__name__": "__main__",
            "__builtins__": builtins,
            "torch": self._torch,
            "device": self.device,
            "show": self.show,
        }

    def _display(self, data: dict[str, Any]) -> None:
        if self.cell is not None:
            self.channel.send({"type": "display", "id": self.cell, "data": data})

    def warm_up(self) -> None:
        """Start torch's thread pool and its printing code now, not in the learner's first cell."""
        torch = self._torch
        x = torch.ones(64, 64)
        repr(x @ x)
        repr(torch.ones(3, 4))
        if self.device.type != "cpu":
            # Load the GPU's math libraries (cuBLAS) now: they count in the memory baseline,
            # and the learner's first GPU cell should not pay for them.
            try:
                g = torch.ones(64, 64, device=self.device)
                (g @ g).sum().item()
            except Exception:
                pass  # detection already proved the device; a failure here shows in cells
        for seed in self._seeders:
            seed()

    def serve(self, stream: Any) -> None:
        for line in iter(stream.readline, b""):
            try:
                message = decode(line)
            except ProtocolError:
                continue
            op = message.get("op")
            if op == "exec":
                self.execute(message)
            elif op == "reset":
                name = str(message.get("ns", "main"))
                self.runner.reset(name)
                self.states.pop(name, None)
                if name == self.lesson:
                    self.lesson = _RESET  # it starts over: the next cell restores the baseline
                self.channel.send({"type": "done", "id": message.get("id")})
            elif op == "shutdown":
                break

    def execute(self, message: dict[str, Any]) -> None:
        cell = int(message["id"])
        name = str(message.get("ns", "main"))
        if name != self.lesson:
            # Another lesson: nothing the previous one did to the process reaches this one,
            # and this one finds the process as it left it (or as the worker started).
            if self.baseline is not None and self.lesson is not None:  # None: still the baseline
                if self.lesson != _RESET:
                    self.states[self.lesson] = Baseline()
                self.states.get(name, self.baseline).restore()
            self.lesson = name
        ns = self.runner.namespace(name)
        if signal.getsignal(signal.SIGINT) is not self.interrupts:
            signal.signal(signal.SIGINT, self.interrupts)  # an earlier cell replaced it
        self.capture.begin(cell)
        self.show.new_cell()
        self.cell = cell
        result: dict[str, Any] = {"status": "ok"}
        check_helpers.set_lang(str(message.get("lang") or "en"))
        setup = str(message.get("setup") or "")
        in_setup = bool(setup)
        try:
            try:
                self.interrupts.active = True
                for seed in self._seeders:
                    seed()
                if setup:
                    # A lesson's hidden setup: its names are the learner's, its value is not shown.
                    self.runner.run(self.runner.compile(setup, cells.SETUP)[0], None, ns)
                in_setup = False
                body, expr = self.runner.compile(str(message.get("code", "")))
                if message.get("role") == "check":
                    ns = check_helpers.check_namespace(ns)  # the check's own names stay here
                result["value"] = self.runner.run(body, expr, ns)
            finally:
                self.interrupts.active = False
                if self.baseline is not None:
                    self.baseline.put_back_deleted_builtins()  # the worker's own code needs them
        except BaseException as exc:  # the cell's own exception, KeyboardInterrupt included
            if os.getpid() != self.pid:
                _leave_forked_child(exc)
            result.update(self.runner.describe(exc))
            if result["status"] == "error":  # what the mistake coach reads (tutor.coach)
                result["facts"] = facts.collect(exc, ns, self.runner._lines.get)
            if result["status"] == "limit":
                result["detail"] = "the allocation did not fit in the memory limit"
                held = limits.big_values(ns)
                if held:  # often the learner's own variable is what fills the budget
                    result["detail"] += f"; the namespace holds {held}: del what you no longer need"
            elif isinstance(exc, SystemExit):  # a script would end here; a cell keeps its names
                called = f"sys.exit({_exit_arg(exc)})"
                result["detail"] = f"the cell called {called}; the namespace is kept"
            elif in_setup:
                result["detail"] = "setup"  # the lesson's setup failed, not the learner's cell
            elif message.get("role") == "check" and cells.raised_in_earlier_cell(
                exc, self.runner.current
            ):
                result["detail"] = (
                    "answer"  # the learner's function raised when the check called it
                )
        finally:
            self.cell = None
        if os.getpid() != self.pid:
            _leave_forked_child(None)
        # Before the end marker: what they wrote is in, and nothing of theirs can come later.
        stopped = self.leftovers.sweep()
        self.capture.finish(cell)
        result.update(type="result", id=cell, dropped_bytes=self._cap(result))
        background, over = self.capture.take_background()
        if background or over:
            result.update(background=background, background_dropped=over)
        if stopped != 0:
            result["stopped"] = stopped  # None: some could not be killed in time
        self.channel.send(result)

    def _cap(self, result: dict[str, Any]) -> int:
        """Cut the value, message and traceback to the output limit; returns bytes dropped."""
        dropped = 0
        for key in ("value", "error_message", "traceback"):
            text = result.get(key)
            if isinstance(text, str) and len(text) > self.output_limit:
                dropped += len(text[self.output_limit :].encode("utf-8", "replace"))
                result[key] = text[: self.output_limit]
        return dropped


def _exit_code(exc: SystemExit) -> int:
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)  # sys.exit("message") prints it and exits with 1
    return 1


def _exit_arg(exc: SystemExit) -> str:
    return "" if exc.code is None else repr(exc.code)


def _leave_forked_child(exc: BaseException | None) -> None:
    """A process the cell forked (os.fork) got to the end of the cell: it must never go on
    into the worker's loop (it would read the worker's requests) or run interpreter shutdown."""
    code = 0
    if isinstance(exc, SystemExit):
        code = _exit_code(exc)
    elif exc is not None:
        code = 1
        line = f"forked process {os.getpid()}: {type(exc).__name__}: {exc}\n"
        with contextlib.suppress(OSError):
            os.write(2, line.encode("utf-8", "replace"))
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def _die_with_parent(parent: int | None) -> None:
    """A worker whose client vanished (even by SIGKILL) must not run on, busy or not."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):
        return
    if parent and os.getppid() != parent:
        os._exit(1)


def main() -> None:
    parent = os.getppid()
    sys.argv = [""]
    boot = time.perf_counter()
    # The protocol must never share fds 0/1/2 with the learner: requests move to a private fd
    # (fd 0 becomes /dev/null); replies go to their own pipe (fd 1 and 2 are the output pipe).
    # The first request line is the configuration, token included: never argv or environment,
    # which other processes (ps, /proc/PID/cmdline) and every child a cell starts could read.
    proto_in = os.dup(0)
    os.set_inheritable(proto_in, False)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    requests = os.fdopen(proto_in, "rb")
    try:
        _die_with_parent(parent)
        config = json.loads(requests.readline() or b"{}")
        channel = Channel(int(config["proto_fd"]))
        capture = Capture(str(config.get("token", "")))
        if config.get("sandbox", True):
            # A private network with only loopback (tutor.interpreter.netns) lets cells use TCP
            # on 127.0.0.1 (torch.distributed's gloo) and reach nothing else: then Landlock
            # need not refuse TCP. Where there is none, Landlock refuses TCP as before.
            net = netns.isolate()
            # Before Landlock, whose /dev/shm rule must name the new tmpfs.
            shm = private_shm.isolate(int(config.get("memory_limit") or 0))
            box = sandbox.confine(os.getcwd(), confine_tcp=not net["loopback"])
            box.update(shm=shm["private"], shm_note=shm["note"])
            box.update(network=box["network"] or net["loopback"], loopback=net["loopback"])
            box["loopback_note"] = net["note"]
        else:
            box = sandbox.unconfined("the sandbox was turned off for this session")
            box.update(shm=False, shm_note="the sandbox was turned off for this session")
            box.update(loopback=True, loopback_note="")
        signal.signal(signal.SIGINT, interrupts := Interrupts())  # ignored until a cell runs
        builtins.input = _no_input
        started = time.perf_counter()
        worker = Worker(channel, capture, config, interrupts)
        torch_s = time.perf_counter() - started
        worker.warm_up()
        files = limits.set_file_limit(int(config.get("file_limit") or limits.FILE_LIMIT))
        worker.baseline = Baseline()
        budget = int(config.get("memory_limit") or 0)
        cap = limits.set_data_limit(budget) if budget else None
        channel.send(
            {
                "type": "ready",
                "pid": os.getpid(),
                "device": worker.device_info,
                "sandbox": box,
                "memory": {"rss": limits.rss(os.getpid()), "data_limit": cap, "budget": budget},
                "file_limit": files,
                "timings": {"torch_and_device": torch_s, "boot": time.perf_counter() - boot},
            }
        )
    except BaseException:
        os.write(2, traceback.format_exc().encode("utf-8", "replace"))  # the client keeps it
        os._exit(70)
    worker.serve(requests)
    os._exit(0)


if __name__ == "__main__":
    main()
