"""Provides the training worker's JSON-lines protocol: msgspec structs (no torch, no pickle).

One JSON object per line. Commands (client → worker, stdin) are tagged by the key ``cmd``, events
(worker → client, stdout) by the key ``event``; each is one msgspec struct below, whose fields are
the object's keys. The worker builds the structs and :func:`encode` writes them;
:func:`decode_event` and :func:`decode_command` turn a line back into one, checking every field's
type. The client adds :class:`Exit` when the worker process ends.

A DDP run (tutor.training.ddp) adds ``world_size``, ``backend`` and ``per_process_batch`` to
``start`` and ``done`` (``batch_size`` is then the global batch) and, under the worker, ``pids``
(one per rank) to ``start``; a one-process run leaves them out.
"""

from __future__ import annotations

import json
from typing import Any, cast

import msgspec
from msgspec import Struct

# The done event carries digit images: far more than asyncio's 64 KiB default line.
MAX_LINE = 16 * 1024 * 1024


class ProtocolError(ValueError):
    """A line that is not a valid command or event."""


# --- commands ---------------------------------------------------------------------------------


class _Command(Struct, tag_field="cmd", kw_only=True):
    """A command to the worker."""


class Train(_Command, tag="start"):
    """Start a run; ``config`` holds TrainConfig's fields (TrainConfig.from_dict checks them)."""

    config: dict[str, Any] = {}


class Pause(_Command, tag="pause"):
    """Pause the run at its next step."""


class Resume(_Command, tag="resume"):
    """Resume a paused run."""


class Stop(_Command, tag="stop"):
    """End the run at its next step, without a checkpoint."""


class Quit(_Command, tag="quit"):
    """End any run, then the worker."""


Command = Train | Pause | Resume | Stop | Quit


# --- events -----------------------------------------------------------------------------------


class _Event(Struct, tag_field="event", kw_only=True, omit_defaults=True):
    """An event from the worker. Fields that default to None are left out of the line when None."""


class Ready(_Event, tag="ready"):
    """Once, after the worker has imported torch."""

    torch: str
    pid: int
    threads: int


class Started(_Event, tag="start"):
    """A run begins: its model, data and length."""

    model: str
    params: int
    device: str
    threads: int  # the fixed count, or with threads_auto the most the tuner may choose
    threads_auto: bool
    source: str
    split: str
    train: int
    test: int
    total_steps: int
    steps_per_epoch: int
    epochs: int
    batch_size: int  # a DDP run's is the global batch
    lr: float
    momentum: float
    # Only when the notes' model trains through autograd because the fast steps failed their test.
    note: str | None = None
    world_size: int | None = None
    backend: str | None = None
    per_process_batch: int | None = None
    pids: list[int] | None = None  # one per rank, added by the worker's launcher

    @property
    def processes(self) -> int:
        return self.world_size or 1


class Progress(_Event, tag="progress"):
    """Every update_interval seconds, and at the end of each epoch."""

    step: int
    total_steps: int
    epoch: int
    epochs: int
    epoch_step: int
    steps_per_epoch: int
    loss: float
    losses: list[float]  # every batch loss since the previous progress
    train_acc: float  # this epoch so far
    samples_per_s: float  # since the previous progress
    elapsed: float
    eta: float  # seconds
    threads: int  # now


class EpochEnd(_Event, tag="epoch"):
    """An epoch trained and tested."""

    epoch: int
    epochs: int
    step: int
    test_acc: float
    test_loss: float
    train_acc: float
    epoch_samples: int
    epoch_train_time: float  # seconds of training in this epoch
    eval_time: float


class Paused(_Event, tag="paused"):
    step: int


class Resumed(_Event, tag="resumed"):
    step: int


class Stopped(_Event, tag="stopped"):
    """A stop landed; no checkpoint is written."""

    step: int
    total_steps: int | None = None  # None when the launcher had to kill the ranks
    detail: str | None = None


class DigitSample(Struct, kw_only=True):
    """A handful of test digits: images N×28×28 ints 0..255, their true and predicted labels."""

    images: list[list[list[int]]]
    true: list[int]
    pred: list[int]
    index: list[int]  # in the test set


class Done(_Event, tag="done", kw_only=True):
    """The run's result; its settings too (the checkpoint's JSON holds the same)."""

    model: str
    steps: int
    batch_size: int
    lr: float
    momentum: float
    device: str
    source: str
    split: str
    train: int
    test: int
    test_acc: float
    test_loss: float
    samples: int
    world_size: int | None = None
    backend: str | None = None
    per_process_batch: int | None = None
    test_correct: int
    test_total: int
    samples_per_s: float  # training only
    train_time: float
    eval_time: float
    confusion: list[list[int]]  # 10×10, rows = true digit
    digits: DigitSample
    saved: list[str]  # paths


class Error(_Event, tag="error"):
    message: str
    detail: str | None = None  # a traceback for unexpected failures


class Exit(_Event, tag="exit"):
    """Added by the client when the worker process ends."""

    code: int
    stderr: str


Event = Ready | Started | Progress | EpochEnd | Paused | Resumed | Stopped | Done | Error | Exit
FINAL_EVENTS = (Done, Stopped, Error, Exit)  # a run's last event is one of these


def to_json(message: Event | Command) -> dict[str, Any]:
    """The plain JSON object of a message, as it goes on the wire."""
    # A tagged Struct always becomes a dict; msgspec types the result as Any.
    return cast("dict[str, Any]", msgspec.to_builtins(message))


def encode(message: Event | Command) -> bytes:
    """One protocol line."""
    # Python's json, not msgspec.json: a diverged loss is NaN, which msgspec would write as null.
    return (json.dumps(to_json(message), separators=(",", ":")) + "\n").encode()


def _load(line: bytes | str) -> dict[str, Any]:
    try:
        obj = json.loads(line)
    except ValueError as exc:
        raise ProtocolError(f"protocol line is not JSON ({exc}): {line[:80]!r}") from None
    if not isinstance(obj, dict):
        raise ProtocolError(f"protocol line is not an object: {line[:80]!r}")
    return obj


def decode_event(line: bytes | str) -> Event:
    """An event line as its struct; ProtocolError says what is wrong with a bad one."""
    try:
        # convert() is typed for one class; for the union it returns Any, and an Event here.
        return cast(Event, msgspec.convert(_load(line), Event))
    except msgspec.ValidationError as exc:
        raise ProtocolError(f"bad event: {exc}") from None


def decode_command(line: bytes | str) -> Command:
    """A command line as its struct; ProtocolError says what is wrong with a bad one."""
    try:
        return cast(Command, msgspec.convert(_load(line), Command))
    except msgspec.ValidationError as exc:
        raise ProtocolError(f"bad command: {exc}") from None
