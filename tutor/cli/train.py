"""Provides `torch-tutor train`: headless MNIST training in the worker, with a Rich progress bar or JSON lines."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys

from tutor.cli.common import add_device, console, escape
from tutor.training.config import DEFAULT_STEPS, TrainConfig, check_model
from tutor.training.protocol import (
    Done,
    EpochEnd,
    Error,
    Event,
    Paused,
    Progress,
    Resumed,
    Started,
    to_json,
)

DEFAULTS = TrainConfig()  # the notes' settings, written once in TrainConfig


def _model(value: str) -> str:
    try:
        return check_model(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train the notes' FCN or CNN on MNIST, without the TUI",
        description="Train the notes' FCN or CNN on MNIST in a worker process and report live metrics. "
        "Data: --data DIR, else the user cache (torch-tutor data download), else the bundled "
        "5,000-digit sample. The state_dict is kept in the user data dir and loads with "
        "torch.load(path, weights_only=True) into the notes' own Net class. "
        "Exit code 1 on any problem, 130 when stopped with Ctrl+C.",
    )
    parser.add_argument(
        "--model",
        type=_model,
        default="cnn",
        help="fcn, cnn (default) or path/to/file.py[:ClassName] holding your own nn.Module",
    )
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--epochs", type=int, metavar="N", help="passes over the training set")
    length.add_argument(
        "--steps", type=int, metavar="N", help=f"optimizer steps (default {DEFAULT_STEPS})"
    )
    parser.add_argument(
        "--data", metavar="DIR", help="MNIST IDX files: a folder, its raw/ or MNIST/raw/"
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULTS.batch_size,
        metavar="N",
        help=f"default {DEFAULTS.batch_size}, as in the notes",
    )
    parser.add_argument(
        "--lr", type=float, default=DEFAULTS.lr, help=f"SGD learning rate (default {DEFAULTS.lr})"
    )
    parser.add_argument(
        "--momentum",
        type=float,
        default=DEFAULTS.momentum,
        help=f"SGD momentum (default {DEFAULTS.momentum})",
    )
    add_device(
        parser, help="train on DEV (cpu, cuda, cuda:1, mps); default: cuda, then mps, then cpu"
    )
    parser.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="torch threads (default: chosen while training, from 1 up to torch's "
        "default count, whichever trains fastest under the machine's load)",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULTS.seed, help=f"random seed (default {DEFAULTS.seed})"
    )
    parser.add_argument("--save", metavar="PATH", help="also write the state_dict to PATH")
    parser.add_argument(
        "--no-checkpoint", action="store_true", help="do not keep a copy in the user data dir"
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per line; the last holds test_acc and samples_per_s",
    )
    ddp = parser.add_argument_group(
        "several processes (DistributedDataParallel)",
        "--ddp N trains with N processes on this machine (gloo on the CPU, NCCL on CUDA, one GPU "
        "each): each takes an equal share of every batch (--batch-size is the global batch, so the "
        "default 64 is 64/N per process) and DDP averages their gradients, so --lr keeps its "
        "one-process meaning. It uses autograd's step: the hand-written FCN/CNN steps are for one "
        "process only. Under torchrun (torchrun ... -m tutor train ...) this command is one rank "
        "and "
        "reads RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT.",
    )
    ddp.add_argument(
        "--ddp", type=int, default=1, metavar="N", help="processes (default 1: no DDP)"
    )
    ddp.add_argument(
        "--master-port",
        type=int,
        metavar="PORT",
        help="the port on 127.0.0.1 where the processes meet (default: a free one)",
    )
    ddp.add_argument(
        "--print-torchrun",
        action="store_true",
        help="print the torchrun command that runs the same training, and exit",
    )


def config_from(args: argparse.Namespace) -> TrainConfig:
    return TrainConfig(
        model=args.model,
        epochs=args.epochs,
        steps=args.steps,
        batch_size=args.batch_size,
        lr=args.lr,
        momentum=args.momentum,
        device=args.device or "auto",
        data_dir=args.data,
        threads=args.threads,
        seed=args.seed,
        save=args.save,
        checkpoint=not args.no_checkpoint,
        world_size=args.ddp,
        master_port=args.master_port,
    )


def run(args: argparse.Namespace) -> int:
    from tutor.training.ddp import under_torchrun

    here = under_torchrun()
    if here:  # one rank of torchrun's group: its size is torchrun's, not --ddp's
        import os

        args.ddp = int(os.environ["WORLD_SIZE"])
    try:
        config = config_from(args)
    except ValueError as exc:
        console(stderr=True).print(f"[red]torch-tutor train:[/] {escape(exc)}")
        return 1
    if args.print_torchrun:
        print(torchrun_command(config, as_json=args.json))
        return 0
    if here:
        return _train_as_rank(config, as_json=args.json)
    return asyncio.run(_train(config, as_json=args.json))


# The options torchrun_command repeats, with the TrainConfig field each sets.
_OPTIONS = {
    "--model": "model",
    "--epochs": "epochs",
    "--steps": "steps",
    "--data": "data_dir",
    "--batch-size": "batch_size",
    "--lr": "lr",
    "--momentum": "momentum",
    "--device": "device",
    "--threads": "threads",
    "--seed": "seed",
    "--save": "save",
}


def torchrun_command(config: TrainConfig, *, as_json: bool = False) -> str:
    """The torchrun command that trains as ``train --ddp N`` with ``config`` does, here."""
    import shlex

    words = []
    for option, name in _OPTIONS.items():
        value = getattr(config, name)
        if value is not None and value != getattr(DEFAULTS, name):
            words += [option, str(value)]
    words += ["--no-checkpoint"] * (not config.checkpoint) + ["--json"] * as_json
    return shlex.join(
        [
            "torchrun",
            "--standalone",
            "--nnodes",
            "1",
            "--nproc-per-node",
            str(config.world_size),
            "-m",
            "tutor",
            "train",
            *words,
        ]
    )


def _json_line(event: Event) -> str:
    """The event as the worker sent it, less the digit images (they are for the screen)."""
    obj = to_json(event)
    obj.pop("digits", None)
    return json.dumps(obj) + "\n"


async def _train(config: TrainConfig, *, as_json: bool) -> int:
    from tutor.training.client import TrainingClient, WorkerError
    from tutor.training.state import RunState

    state = RunState(status="starting")
    err = console(stderr=True)
    view = None if as_json else _RichView()
    client = TrainingClient()
    loop = asyncio.get_running_loop()
    stopping = []

    def on_sigint() -> None:
        if not stopping:
            stopping.append(True)
            if client.running:
                asyncio.ensure_future(client.stop())

    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGINT, on_sigint)
    try:
        try:
            await client.start()
            await client.train(config)
        except WorkerError as exc:
            err.print(f"[red]torch-tutor train:[/] {escape(exc)}")
            return 1
        async for event in client.events():
            state.apply(event)
            if as_json:
                sys.stdout.write(_json_line(event))
                sys.stdout.flush()
            elif view is not None:
                view.show(event, state)
    finally:
        if view is not None:
            view.close()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)
        await client.close()
    return _outcome(state, view, as_json=as_json)


def _outcome(state, view, *, as_json: bool) -> int:
    """The run's summary or its error, and the exit code."""
    err = console(stderr=True)
    if state.status == "done":
        if view is not None:
            assert state.result is not None  # a done event holds the result
            view.summary(state.result)
        return 0
    if state.status == "stopped":
        err.print(f"stopped at step {state.step}; no checkpoint written")
        return 130
    if not as_json:
        err.print(f"[red]torch-tutor train:[/] {escape(state.error or 'failed')}")
    return 1


def _train_as_rank(config: TrainConfig, *, as_json: bool) -> int:
    """One rank of a torchrun group, in this process; rank 0 reports as a --ddp run does."""
    import traceback

    from tutor.training.ddp import RankEnv, run_rank
    from tutor.training.loop import Control
    from tutor.training.state import RunState

    place = RankEnv.from_environ()
    state = RunState(status="starting")
    view = None if as_json or place.rank != 0 else _RichView()
    control = Control()
    # Ctrl+C reaches every rank; rank 0 alone turns it into a stop, which it broadcasts.
    signal.signal(signal.SIGINT, (lambda *_: control.stop()) if place.rank == 0 else signal.SIG_IGN)

    def emit(event: Event) -> None:
        state.apply(event)
        if as_json:
            sys.stdout.write(_json_line(event))
            sys.stdout.flush()
        elif view is not None:
            view.show(event, state)

    try:
        run_rank(config, emit, control, place)
    except Exception as exc:  # noqa: BLE001 - reported as a worker's error; torchrun sees the code
        if place.rank != 0:
            print(
                f"torch-tutor train (rank {place.rank}): {type(exc).__name__}: {exc}",
                file=sys.stderr,
            )
            return 1
        emit(Error(message=str(exc) or type(exc).__name__, detail=traceback.format_exc()))
    finally:
        if view is not None:
            view.close()
    if place.rank != 0:
        return 0
    return _outcome(state, view, as_json=as_json)


def _threads(start: Started) -> str:
    if start.threads_auto:
        return f"threads chosen while training (1 to {start.threads})"
    each = " per process" if start.processes > 1 else ""
    return f"{start.threads} thread{'s' if start.threads != 1 else ''}{each}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


def _processes(start: Started) -> str:
    world = start.processes
    if world < 2:
        return ""
    return (
        f"\n{world} processes ({start.backend}, DistributedDataParallel): "
        f"{start.per_process_batch} samples each per step, gradients averaged"
    )


class _RichView:
    """Two progress bars (epoch, overall) with live loss, accuracy and throughput."""

    def __init__(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.out = console()
        self.progress = Progress(
            TextColumn("{task.description:<8}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"),
            TimeRemainingColumn(),
            console=self.out,
        )
        self.overall = self.epoch = None

    def show(self, event: Event, state) -> None:
        if isinstance(event, Started):
            self.out.print(
                f"[bold]{escape(event.model)}[/] ({event.params:,} parameters) on "
                f"{escape(event.device)}, {_threads(event)}\n"
                f"data: {escape(event.source)} · {escape(event.split)}\n"
                f"{event.total_steps} steps of {event.batch_size} "
                f"({_count(event.epochs, 'epoch')} of "
                f"{event.steps_per_epoch} steps), SGD lr {event.lr} momentum {event.momentum}"
                + _processes(event)
            )
            if event.note:
                self.out.print(f"[yellow]note:[/] {escape(event.note)}")
            self.progress.start()
            self.overall = self.progress.add_task("overall", total=event.total_steps, info="")
            self.epoch = self.progress.add_task("epoch 1", total=event.steps_per_epoch, info="")
        elif isinstance(event, Progress) and self.overall is not None:
            # The rate since the previous progress event; the summary gives the run's average.
            info = (
                f"loss {event.loss:.3f} · acc {event.train_acc:.1%} · "
                f"{event.samples_per_s:,.0f} samples/s now · "
                f"{_count(event.threads, 'thread')}"
            )
            self.progress.update(self.overall, completed=event.step, info=info)
            self.progress.update(
                self.epoch,
                completed=event.epoch_step,
                total=event.steps_per_epoch,
                description=f"epoch {event.epoch}",
                info="",
            )
        elif isinstance(event, EpochEnd):
            self.progress.console.print(
                f"epoch {event.epoch}/{event.epochs} (step {event.step}): test accuracy "
                f"{event.test_acc:.2%}, test loss {event.test_loss:.4f}, "
                f"train accuracy {event.train_acc:.1%}"
            )
        elif isinstance(event, (Paused, Resumed)):
            kind = "paused" if isinstance(event, Paused) else "resumed"
            self.progress.console.print(f"{kind} at step {event.step}")

    def close(self) -> None:
        self.progress.stop()

    def summary(self, result: Done) -> None:
        from tutor.training.confusion import confusion_table

        self.out.print(confusion_table(result.confusion))
        self.out.print(
            f"[bold green]test accuracy {result.test_acc:.2%}[/] ({result.test_correct:,}/"
            f"{result.test_total:,})\n"
            f"{result.samples_per_s:,.0f} samples/s on average ({result.samples:,} samples in "
            f"{result.train_time:.1f} s of training, its slower first steps included) + "
            f"{result.eval_time:.1f} s testing"
        )
        for path in result.saved:
            self.out.print(f"state_dict saved: {escape(path)}")
