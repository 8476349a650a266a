"""Provides the JSON-lines protocol between the training worker and its clients (no torch, no pickle).

Commands (client → worker, one JSON object per line on stdin):
    {"cmd": "start", "config": {...TrainConfig fields...}}
    {"cmd": "pause"} | {"cmd": "resume"} | {"cmd": "stop"} | {"cmd": "quit"}

Events (worker → client, one JSON object per line on stdout), key "event":
    ready     torch, pid, threads                        once, after torch is imported
    start     model, params, device, threads, source, split, train, test,
              total_steps, steps_per_epoch, epochs, batch_size, lr, momentum, and note (only when
              the notes' model trains through autograd because the fast steps failed their self-test);
              a DDP run (tutor.training.ddp) adds world_size, backend, per_process_batch
              (batch_size is the global batch) and, under the worker, pids (one per rank)
    progress  step, total_steps, epoch, epochs, epoch_step, steps_per_epoch, loss,
              losses (every batch loss since the previous progress), train_acc (this epoch so far),
              samples_per_s (since the previous progress), elapsed, eta (seconds)
    epoch     epoch, epochs, step, test_acc, test_loss, train_acc, epoch_samples,
              epoch_train_time (seconds of training in this epoch), eval_time
    paused / resumed   step
    stopped   step, total_steps                          a stop landed; no checkpoint is written
    done      test_acc, test_correct, test_total, test_loss, samples_per_s (training only),
              train_time, eval_time, steps, samples, confusion (10×10, rows = true digit),
              digits {images: N×28×28 ints 0..255, true, pred, index}, saved (paths), and the settings
              (a DDP run's world_size, backend, per_process_batch among them)
    error     message, detail (a traceback for unexpected failures)
The client adds ``exit`` (code, stderr) when the worker process ends.
"""

from __future__ import annotations

import json
from typing import Any

# One decoded line: a JSON object whose values are JSON values (their schema is the table above).
Message = dict[str, Any]

FINAL_EVENTS = ("done", "stopped", "error", "exit")
MAX_LINE = 16 * 1024 * 1024  # the done event carries digit images: far more than asyncio's 64 KiB default


def encode(obj: Message) -> bytes:
    # allow_nan=False would reject a diverged loss; NaN/Infinity are valid for Python's json on both ends.
    return (json.dumps(obj, separators=(",", ":")) + "\n").encode()


def decode(line: bytes | str) -> Message:
    obj = json.loads(line)
    if not isinstance(obj, dict):
        raise ValueError(f"protocol line is not an object: {line[:80]!r}")
    return obj
