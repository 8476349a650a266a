"""Provides run_local: a DDP run of N rank processes on this machine, watched by the worker.

The worker does not train itself: it starts ``python -m tutor.training.ddp`` once per rank with
torchrun's variables set (127.0.0.1 and a free port), relays rank 0's events to its own client,
passes the learner's pause/resume/stop on to rank 0, and watches every rank. When one dies, it
ends the others at once and reports which one and how (a rank blocked in a collective would
otherwise only learn it later). No rank outlives a run: each one asks Linux to kill it when the
worker dies (PR_SET_PDEATHSIG), they share the worker's process group (the client ends that
group), and whatever is still running when a run ends is killed before the final event is sent.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable

from tutor.training.config import TrainConfig
from tutor.training.ddp import CONFIG_VAR, PARENT_VAR
from tutor.training.loop import Control
from tutor.training.protocol import (
    FINAL_EVENTS,
    Command,
    Error,
    Event,
    Pause,
    ProtocolError,
    Resume,
    Started,
    Stop,
    Stopped,
    decode_event,
    encode,
)

Emit = Callable[[Event], None]

STOP_GRACE = (
    15.0  # seconds a stop may take before the ranks are killed (a rank may be mid-evaluation)
)
EXIT_GRACE = 10.0  # seconds the ranks get to leave the group after rank 0's last event
POLL = 0.1


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on now (the kernel's choice); rank 0 binds it a moment later."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def check_port(port: int, host: str = "127.0.0.1") -> None:
    """ValueError if ``port`` cannot be bound on ``host`` (another program or run holds it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise ValueError(
                f"port {port} on {host} is in use ({exc.strerror}): the processes meet there, so "
                "choose another --master-port, or leave it out to use a free one"
            ) from None


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class _Rank:
    """One rank process and the tail of its stderr."""

    def __init__(self, rank: int, env: dict[str, str]) -> None:
        self.rank = rank
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tutor.training.ddp"],
            env=env,
            stdin=subprocess.PIPE if rank == 0 else subprocess.DEVNULL,
            stdout=subprocess.PIPE if rank == 0 else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.tail: deque[str] = deque(maxlen=20)
        self.reader = threading.Thread(target=self._drain, name=f"rank{rank}-stderr", daemon=True)
        self.reader.start()

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.tail.append(line.decode(errors="replace").rstrip())

    def last_words(self) -> str:
        self.reader.join(timeout=1.0)
        return "\n".join(self.tail)

    def send(self, cmd: Command) -> None:
        if self.proc.stdin is not None:
            try:
                self.proc.stdin.write(encode(cmd))
                self.proc.stdin.flush()
            except (BrokenPipeError, ValueError):
                pass  # rank 0 has gone; its exit is handled by the watch loop

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()


def _relay(stdout, events: queue.Queue[Event | None]) -> None:
    for line in stdout:
        try:
            events.put(decode_event(line))
        except ProtocolError:
            pass  # not ours: rank 0 sends everything else to stderr
    events.put(None)


def run_local(config: TrainConfig, emit: Emit, control: Control) -> None:
    """Train with ``config.world_size`` processes here; events go to ``emit`` as a Trainer's do."""
    if config.master_port is not None:
        check_port(config.master_port)
    port = config.master_port or free_port()
    base = dict(os.environ)
    base.update(
        {
            "MASTER_ADDR": "127.0.0.1",
            "MASTER_PORT": str(port),
            "WORLD_SIZE": str(config.world_size),
            "LOCAL_WORLD_SIZE": str(config.world_size),
            CONFIG_VAR: json.dumps(config.to_dict()),
            PARENT_VAR: str(os.getpid()),
            "PYTHONUNBUFFERED": "1",
        }
    )
    for name in ("TORCHELASTIC_RUN_ID", "GROUP_RANK", "ROLE_RANK"):
        base.pop(name, None)
    ranks: list[_Rank] = []
    try:
        for rank in range(config.world_size):
            ranks.append(_Rank(rank, {**base, "RANK": str(rank), "LOCAL_RANK": str(rank)}))
        final = _watch(ranks, emit, control, config.world_size)
    finally:
        _end(ranks)
    emit(final)


def _watch(ranks: list[_Rank], emit: Emit, control: Control, world: int) -> Event:
    """Relay rank 0's events until its final one, which is returned (not emitted); or ours."""
    events: queue.Queue[Event | None] = queue.Queue()
    assert ranks[0].proc.stdout is not None
    threading.Thread(target=_relay, args=(ranks[0].proc.stdout, events), daemon=True).start()
    paused = stop_sent = False
    stop_deadline = None
    last_step = 0
    while True:
        # The learner's commands, passed on to rank 0 (it broadcasts them to the others).
        if control.stopped and not stop_sent:
            ranks[0].send(Stop())
            stop_sent, stop_deadline = True, time.monotonic() + STOP_GRACE
        elif not control.stopped and control.paused != paused:
            paused = control.paused
            ranks[0].send(Pause() if paused else Resume())
        relay_ended = False
        try:
            event = events.get(timeout=POLL)
            relay_ended = event is None
        except queue.Empty:
            event = None
        if event is not None:
            last_step = getattr(event, "step", last_step)
            if isinstance(event, FINAL_EVENTS):
                return _prefer_dead_rank(event, ranks, world)
            if isinstance(event, Started):
                event.pids = [r.proc.pid for r in ranks]
            emit(event)
            continue
        dead = [r for r in ranks if r.proc.poll() not in (None, 0)]
        if relay_ended and not dead:  # rank 0 closed its stdout without a final event
            ranks[0].proc.wait()
            dead = [ranks[0]]
        if dead:
            return _death(dead[0], ranks, world)
        if stop_deadline is not None and time.monotonic() > stop_deadline:
            return Stopped(step=last_step, detail="the ranks did not stop in time: killed")


def _death(rank: _Rank, ranks: list[_Rank], world: int) -> Error:
    for other in ranks:
        other.kill()
    words = rank.last_words()
    last = words.splitlines()[-1] if words else ""
    return Error(
        message=f"training process {rank.rank} of {world} (pid {rank.proc.pid}) died: "
        f"{describe_exit(rank.proc.returncode)}{'; ' + last if last else ''}. "
        "The other processes were stopped.",
        detail=words,
    )


def _prefer_dead_rank(event: Event, ranks: list[_Rank], world: int) -> Event:
    """Rank 0's error, or the death of another rank when that is what caused it.

    Only a lost connection is blamed on another rank: when rank 0 fails on its own (bad data, a
    learner's model that raises), the others lose their connection to it and die *after* it.
    """
    if not isinstance(event, Error) or "peer" not in event.message:
        return event
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        dead = [r for r in ranks[1:] if r.proc.poll() not in (None, 0)]
        if dead:
            return _death(dead[0], ranks, world)
        if all(r.proc.poll() is not None for r in ranks[1:]):
            break
        time.sleep(POLL)
    return event


def _end(ranks: list[_Rank]) -> None:
    """Give the ranks EXIT_GRACE seconds to leave the group, then kill what is left; reap all."""
    deadline = time.monotonic() + EXIT_GRACE
    for rank in ranks:
        if rank.proc.stdin is not None:
            try:
                rank.proc.stdin.close()
            except OSError:
                pass
        try:
            rank.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            rank.kill()
            rank.proc.wait()
