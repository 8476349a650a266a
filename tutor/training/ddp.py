"""Provides one DistributedDataParallel rank: its place (torchrun's variables), its group, its run.

The same code runs a rank whichever started it: ``torch-tutor train --ddp N`` (the training worker
starts ``python -m tutor.training.ddp`` N times, see tutor.training.ddp_launch) or ``torchrun ... -m
tutor train`` (tutor.cli.train calls :func:`run_rank` in the process torchrun started). Either way
the rank reads ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``LOCAL_WORLD_SIZE``, ``MASTER_ADDR`` and
``MASTER_PORT`` from its environment and joins the group with ``init_method="env://"``.

``python -m tutor.training.ddp`` (a rank under the worker): the settings come as JSON in
``TORCH_TUTOR_DDP_CONFIG``; rank 0 writes the run's events as JSON lines on stdout and reads
pause/resume/stop commands on stdin (tutor.training.protocol); the other ranks only write errors.
"""

from __future__ import annotations

import ctypes
import datetime
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tutor.training.protocol import Done, Event

CONFIG_VAR = "TORCH_TUTOR_DDP_CONFIG"
PARENT_VAR = "TORCH_TUTOR_DDP_PARENT"  # the launcher's pid: a rank whose parent is gone exits
ENV_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
# A collective waits this long for the other ranks. Long, because the other ranks wait inside a
# broadcast while rank 0 is paused or evaluating; a rank that dies closes its sockets, and gloo
# and NCCL report that at once ("Connection closed by peer"), so no failure waits for this.
COLLECTIVE_TIMEOUT = datetime.timedelta(days=1)
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class RankEnv:
    """Where this process stands in the group, as torchrun (or the launcher) set it."""

    rank: int
    world_size: int
    local_rank: int
    local_world_size: int
    master_addr: str
    master_port: int

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> RankEnv:
        env = os.environ if environ is None else environ
        missing = [name for name in ENV_VARS[:3] if name not in env]
        if missing:
            raise ValueError(f"not started by torchrun: {', '.join(missing)} not set")
        world = int(env["WORLD_SIZE"])
        return cls(
            rank=int(env["RANK"]),
            world_size=world,
            local_rank=int(env["LOCAL_RANK"]),
            local_world_size=int(env.get("LOCAL_WORLD_SIZE", world)),
            master_addr=env.get("MASTER_ADDR", "127.0.0.1"),
            master_port=int(env.get("MASTER_PORT", 29500)),
        )


def under_torchrun(environ: dict[str, str] | None = None) -> bool:
    """True in a process torchrun started (it sets TORCHELASTIC_RUN_ID besides RANK, WORLD_SIZE)."""
    env = os.environ if environ is None else environ
    return "TORCHELASTIC_RUN_ID" in env and "RANK" in env and "WORLD_SIZE" in env


def die_with_parent(parent: int) -> None:
    """Have Linux kill this process when its parent dies (PR_SET_PDEATHSIG); exit if it has."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def pick_rank_device(request: str, place: RankEnv):
    """This rank's device, its label and backend: NCCL on CUDA (a GPU each), else gloo (CPU)."""
    import torch

    from tutor.training.device import pick_device

    device, label = pick_device(request)
    if device.type == "cuda":
        count = torch.cuda.device_count()
        if count < place.local_world_size:
            raise ValueError(
                f"NCCL needs one GPU per process: {place.local_world_size} processes on this "
                f"machine, {count} GPU{'s' if count != 1 else ''} (use fewer processes, or "
                "--device cpu for gloo)"
            )
        device = torch.device("cuda", place.local_rank)
        torch.cuda.set_device(device)
        return device, f"cuda:{place.local_rank} {torch.cuda.get_device_name(device)}", "nccl"
    if device.type != "cpu":
        raise ValueError(
            f"DistributedDataParallel runs here on cpu (gloo) or cuda (NCCL), not {device.type}"
        )
    return device, label, "gloo"


def default_threads(place: RankEnv) -> int:
    """The machine's cores shared out over this machine's processes (at least one each)."""
    from tutor.training.loop import DEFAULT_THREADS

    return max(1, DEFAULT_THREADS // max(1, place.local_world_size))


def run_rank(
    config, emit: Callable[[Event], None], control=None, place: RankEnv | None = None
) -> Done | None:
    """Join the group, train as this rank, leave the group; rank 0's events go to ``emit``."""
    import torch.distributed as dist

    from tutor.training.ddp_loop import DDPTrainer

    place = place or RankEnv.from_environ()
    if config.world_size != place.world_size:
        config = replace(config, world_size=place.world_size)  # checks the split again
    device, label, backend = pick_rank_device(config.device, place)
    dist.init_process_group(
        backend,
        init_method="env://",
        rank=place.rank,
        world_size=place.world_size,
        timeout=COLLECTIVE_TIMEOUT,
    )
    try:
        trainer = DDPTrainer(
            config,
            emit,
            control,
            device=device,
            label=label,
            threads=config.threads or default_threads(place),
        )
        done = trainer.run()
        # Leave together: rank 0 still tests and saves after the last step, and a rank that tore
        # its gloo connections down meanwhile was seen to abort at exit ("terminate called without
        # an active exception", SIGABRT) under load.
        dist.barrier()
        return done
    finally:
        dist.destroy_process_group()


def _read_commands(control) -> None:
    from tutor.training.protocol import Pause, ProtocolError, Resume, Stop, decode_command

    for line in sys.stdin.buffer:
        try:
            cmd = decode_command(line) if line.strip() else None
        except ProtocolError:
            continue
        if isinstance(cmd, Pause):
            control.pause()
        elif isinstance(cmd, Resume):
            control.resume()
        elif isinstance(cmd, Stop):
            control.stop()
    control.stop()  # the launcher closed our stdin: it is going away


def main() -> int:
    """A rank started by tutor.training.ddp_launch."""
    die_with_parent(int(os.environ.get(PARENT_VAR, os.getppid())))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the launcher stops the run through rank 0
    proto = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # anything else that prints goes to stderr
    sys.stdout = sys.stderr

    import json

    from tutor.training.config import TrainConfig
    from tutor.training.loop import Control
    from tutor.training.protocol import Error, encode

    place = RankEnv.from_environ()
    control = Control()
    if place.rank == 0:
        threading.Thread(
            target=_read_commands, args=(control,), name="commands", daemon=True
        ).start()

    def emit(event: Event) -> None:
        proto.write(encode(event))

    try:
        config = TrainConfig.from_dict(json.loads(os.environ[CONFIG_VAR]))
        run_rank(config, emit, control, place)
    except Exception as exc:  # noqa: BLE001 - reported to the launcher, which ends the other ranks
        print(f"rank {place.rank}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        if place.rank == 0:
            emit(Error(message=str(exc) or type(exc).__name__, detail=traceback.format_exc()))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
