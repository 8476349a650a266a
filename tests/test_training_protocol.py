"""Tests the training protocol's structs: the lines they write, the lines they read, the lines they refuse."""

from __future__ import annotations

import json
import math

import pytest

from tutor.training.protocol import (
    Done,
    Exit,
    Pause,
    Progress,
    ProtocolError,
    Started,
    Stop,
    Stopped,
    Train,
    decode_command,
    decode_event,
    encode,
    to_json,
)
from tutor.training.state import RunState

START = {
    "event": "start",
    "model": "cnn",
    "params": 21840,
    "device": "cpu",
    "threads": 2,
    "threads_auto": True,
    "source": "bundled sample",
    "split": "train: 4,500 · test: 500",
    "train": 4500,
    "test": 500,
    "total_steps": 938,
    "steps_per_epoch": 71,
    "epochs": 14,
    "batch_size": 64,
    "lr": 0.01,
    "momentum": 0.5,
}


def _progress(**changes) -> dict:
    line = {
        "event": "progress",
        "step": 3,
        "total_steps": 938,
        "epoch": 1,
        "epochs": 14,
        "epoch_step": 3,
        "steps_per_epoch": 71,
        "loss": 2.25,
        "losses": [2.3, 2.28, 2.25],
        "train_acc": 0.125,
        "samples_per_s": 4000.5,
        "elapsed": 0.05,
        "eta": 14.2,
        "threads": 2,
    }
    return {**line, **changes}


def test_an_event_line_reads_as_its_struct_and_writes_back_the_same_line():
    line = json.dumps(START, separators=(",", ":")) + "\n"
    start = decode_event(line)
    assert isinstance(start, Started) and start.total_steps == 938 and start.processes == 1
    # A one-process run has no DDP fields and no note: they stay off the line, as before.
    assert start.note is None and start.world_size is None
    assert encode(start) == line.encode()


def test_ddp_fields_and_pids_travel_when_present():
    line = {**START, "world_size": 2, "backend": "gloo", "per_process_batch": 32, "pids": [7, 8]}
    start = decode_event(json.dumps(line))
    assert (start.processes, start.backend, start.pids) == (2, "gloo", [7, 8])
    assert to_json(start) == line


def test_a_diverged_loss_keeps_its_nan_on_the_wire():
    # msgspec's own JSON would write NaN as null, which a float field then refuses.
    wire = encode(Progress(**{k: v for k, v in _progress(loss=math.nan).items() if k != "event"}))
    assert b'"loss":NaN' in wire
    assert math.isnan(decode_event(wire).loss)


def test_commands_are_tagged_by_cmd():
    assert encode(Pause()) == b'{"cmd":"pause"}\n'
    assert decode_command(encode(Train(config={"model": "fcn"}))) == Train(config={"model": "fcn"})
    assert isinstance(decode_command('{"cmd":"stop"}'), Stop)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"cmd":"explode"}', "bad command: Invalid value 'explode' - at `$.cmd`"),
        ("[1, 2]", "protocol line is not an object"),
        ("{nope", "protocol line is not JSON"),
    ],
)
def test_bad_command_lines_are_refused_with_a_reason(line, reason):
    with pytest.raises(ProtocolError, match=reason.replace("$", r"\$").replace("(", r"\(")):
        decode_command(line)


def test_bad_event_lines_are_refused_with_a_reason():
    with pytest.raises(ProtocolError, match="Object missing required field `model`"):
        decode_event('{"event":"start"}')
    with pytest.raises(ProtocolError, match=r"Expected `int`, got `str` - at `\$.step`"):
        decode_event(json.dumps(_progress(step="three")))


def test_run_state_folds_structs():
    state = RunState()
    state.apply(decode_event(json.dumps(START)))
    state.apply(decode_event(json.dumps(_progress())))
    state.apply(decode_event(json.dumps(_progress(step=4, losses=[2.2]))))
    assert state.status == "running" and state.step == 4 and state.losses == [2.3, 2.28, 2.25, 2.2]
    state.apply(Stopped(step=4, total_steps=938))
    state.apply(Exit(code=0, stderr=""))  # the worker's exit after a stop is no error
    assert state.status == "stopped" and state.error is None and state.result is None


def test_done_carries_the_digits_as_a_struct():
    done = {
        "event": "done",
        "model": "fcn",
        "steps": 2,
        "batch_size": 64,
        "lr": 0.01,
        "momentum": 0.5,
        "device": "cpu",
        "source": "s",
        "split": "p",
        "train": 10,
        "test": 2,
        "test_acc": 0.5,
        "test_loss": 1.5,
        "samples": 128,
        "test_correct": 1,
        "test_total": 2,
        "samples_per_s": 1e3,
        "train_time": 0.1,
        "eval_time": 0.01,
        "confusion": [[1, 1]],
        "digits": {"images": [[[0, 255]]], "true": [3], "pred": [5], "index": [1]},
        "saved": [],
    }
    result = decode_event(json.dumps(done))
    assert isinstance(result, Done) and result.digits.pred == [5] and result.saved == []
    assert to_json(result) == done
