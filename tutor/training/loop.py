"""Provides the MNIST training loop: preloaded normalised tensors, shuffled index batches, metrics as plain dicts."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from tutor.training.checkpoint import save_checkpoint
from tutor.training.config import TrainConfig
from tutor.training.device import pick_device
from tutor.training.models import CNN, build_model, is_convolutional
from tutor.training.protocol import (
    DigitSample,
    Done,
    EpochEnd,
    Event,
    Paused,
    Progress,
    Resumed,
    Started,
    Stopped,
)
from tutor.training.sources import DataPlan, Digits, load_plan
from tutor.training.steps import fallback_note, make_step
from tutor.training.threads import ThreadTuner

MEAN, STD = 0.1307, 0.3081  # the notes' Normalize((0.1307,), (0.3081,))
# Evaluation batch sizes, measured on the notes' nets (docs/performance.md): a dense net is fastest in
# large batches; on the CPU a conv net's feature maps (23 KB an image after conv1) leave the cache
# beyond ~64 images (batches of 1,000 evaluated the CNN 1.2x slower).
EVAL_BATCH, EVAL_BATCH_CONV = 1000, 64
# torch's own default (the physical cores), taken before any run changes it.
DEFAULT_THREADS = torch.get_num_threads()

Emit = Callable[[Event], None]


class Control:
    """Thread-safe start/pause/stop flags, set by the command reader and polled by the loop once per step."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()  # wake a paused loop so it sees the stop

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def wait_while_paused(self) -> None:
        self._running.wait()


def to_tensors(digits: Digits, device: torch.device, channels_last: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """One preloaded, normalised N×1×28×28 float tensor and int64 labels, on ``device``."""
    x = torch.from_numpy(np.array(digits.images, dtype=np.uint8)).to(device)
    x = x.float().div_(255).sub_(MEAN).div_(STD).unsqueeze(1)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    return x, torch.from_numpy(digits.labels.astype(np.int64)).to(device)


@torch.inference_mode()
def evaluate(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, stop: Callable[[], bool] = lambda: False
) -> tuple[torch.Tensor, float] | None:
    """Predictions and mean loss over a whole set, in batches sized for the model; None if ``stop()`` turns true."""
    was_training = model.training
    model.eval()
    preds, loss = [], torch.zeros((), device=x.device)
    size = EVAL_BATCH_CONV if x.device.type == "cpu" and is_convolutional(model) else EVAL_BATCH
    try:
        for i in range(0, len(y), size):
            if stop():
                return None
            out = model(x[i : i + size])
            loss += F.cross_entropy(out, y[i : i + size], reduction="sum")
            preds.append(out.argmax(1))
    finally:
        model.train(was_training)
    return torch.cat(preds), loss.item() / max(1, len(y))


def pick_digits(images: np.ndarray, truth: np.ndarray, pred: np.ndarray, count: int, seed: int) -> DigitSample:
    """A mixed handful of test digits for the screen: up to a third of them mistakes, in random order."""
    rng = np.random.default_rng(seed)
    wrong = rng.permutation(np.flatnonzero(truth != pred))[: count // 3]
    right = rng.permutation(np.flatnonzero(truth == pred))[: count - len(wrong)]
    chosen = rng.permutation(np.concatenate([wrong, right]).astype(np.int64))
    return DigitSample(
        images=images[chosen].tolist(),
        true=truth[chosen].tolist(),
        pred=pred[chosen].tolist(),
        index=chosen.tolist(),
    )


class Trainer:
    """Runs one training session, calling ``emit`` with its events (tutor.training.protocol's structs)."""

    def __init__(self, config: TrainConfig, emit: Emit, control: Control | None = None) -> None:
        self.config = config
        self.emit = emit
        self.control = control or Control()
        self.model: nn.Module | None = None  # the trained model, once run() has built it

    def run_info(self) -> dict:
        """Settings beyond TrainConfig's that the done event and the checkpoint's JSON describe."""
        return {}

    def run(self, plan: DataPlan | None = None) -> Done | None:
        """Train, evaluate each epoch, save; return the "done" event, or None when stopped."""
        cfg, ctl = self.config, self.control
        tuner = None
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        else:
            tuner = ThreadTuner(min(DEFAULT_THREADS, cfg.max_threads or DEFAULT_THREADS))
        torch.manual_seed(cfg.seed)
        device, label = pick_device(cfg.device)
        plan = plan or load_plan(cfg.data_dir, holdout=cfg.holdout, seed=cfg.seed)
        self.model = model = build_model(cfg.model).to(device)
        # channels_last: measured faster for the CNN on the CPU. Only for the built-in CNN, which
        # flattens with torch.flatten: a learner's class (the notes' own CNN included) may use
        # x.view(n, -1), which fails on a channels_last tensor.
        channels_last = type(model) is CNN
        if channels_last:
            self.model = model = model.to(memory_format=torch.channels_last)
        x_train, y_train = to_tensors(plan.train, device, channels_last)
        x_test, y_test = to_tensors(plan.test, device, channels_last)
        n, batch = len(y_train), cfg.batch_size
        per_epoch = math.ceil(n / batch)
        total = cfg.total_steps(n)
        epochs = math.ceil(total / per_epoch)
        # The notes' FCN and CNN on the CPU: hand-written steps (docs/performance.md); any other
        # model or device: autograd and torch's SGD. The step keeps the training set from here on.
        step_fn = make_step(model, cfg.lr, cfg.momentum, device)
        step_fn.load(x_train, y_train)
        del x_train, y_train
        self.emit(Started(
            model=cfg.model, params=sum(p.numel() for p in model.parameters()),
            device=label, threads=cfg.threads or tuner.options[0], threads_auto=tuner is not None,
            **plan.describe(),
            total_steps=total, steps_per_epoch=per_epoch, epochs=epochs,
            batch_size=batch, lr=cfg.lr, momentum=cfg.momentum,
            note=fallback_note(model, device) or None,
        ))

        gen = torch.Generator().manual_seed(cfg.seed)
        step, samples, train_time, eval_time, evals = 0, 0, 0.0, 0.0, 0
        test_loss = float("nan")
        for epoch in range(1, epochs + 1):
            perm = torch.randperm(n, generator=gen).to(device)
            correct = torch.zeros((), dtype=torch.int64, device=device)
            seen, pending, train_before = 0, [], train_time
            seg_start = last_emit = time.perf_counter()
            last_samples, last_time = samples, seg_start
            for b in range(per_epoch):
                if step == total:
                    break
                if ctl.paused or ctl.stopped:
                    train_time += time.perf_counter() - seg_start
                    if not ctl.stopped:
                        self.emit(Paused(step=step))
                        ctl.wait_while_paused()
                    if ctl.stopped:
                        self.emit(Stopped(step=step, total_steps=total))
                        return None
                    self.emit(Resumed(step=step))
                    if tuner:
                        tuner.pause()
                    seg_start = last_emit = last_time = time.perf_counter()
                    last_samples = samples
                out, loss, yb = step_fn(perm[b * batch : (b + 1) * batch])
                # Kept as tensors (steps return them detached) and read in bulk at emit time: no
                # per-step device sync.
                pending.append(loss)
                correct += (out.argmax(1) == yb).sum()
                seen += len(yb)
                samples += len(yb)
                step += 1
                if tuner:
                    tuner.step_done()
                now = time.perf_counter()
                if now - last_emit >= cfg.update_interval or step == total or b == per_epoch - 1:
                    active = train_time + now - seg_start
                    rate = (samples - last_samples) / max(now - last_time, 1e-9)
                    left = total - step
                    eta = left * active / step + (epochs - epoch + 1) * (eval_time / max(evals, 1))
                    losses = torch.stack(pending).tolist()
                    pending = []
                    self.emit(Progress(
                        step=step, total_steps=total, epoch=epoch,
                        epochs=epochs, epoch_step=b + 1, steps_per_epoch=per_epoch,
                        loss=losses[-1], losses=losses, train_acc=correct.item() / seen,
                        samples_per_s=rate, elapsed=active + eval_time, eta=eta,
                        threads=tuner.current if tuner else cfg.threads,
                    ))
                    last_emit, last_samples, last_time = now, samples, now
            train_time += time.perf_counter() - seg_start

            t0 = time.perf_counter()
            step_fn.publish()
            result = evaluate(model, x_test, y_test, lambda: ctl.stopped)
            if result is None:
                self.emit(Stopped(step=step, total_steps=total))
                return None
            preds, test_loss = result
            test_acc = (preds == y_test).float().mean().item()
            this_eval = time.perf_counter() - t0
            eval_time += this_eval
            evals += 1
            if tuner:
                tuner.pause()
            self.emit(EpochEnd(
                epoch=epoch, epochs=epochs, step=step,
                test_acc=test_acc, test_loss=test_loss, train_acc=correct.item() / max(seen, 1),
                epoch_samples=seen, epoch_train_time=train_time - train_before,
                eval_time=this_eval,
            ))
        return self._finish(model, plan, preds, y_test, step, samples, train_time, eval_time, test_loss, label)

    def _finish(self, model, plan, preds, y_test, step, samples, train_time, eval_time, test_loss, label) -> Done:
        cfg = self.config
        truth, pred = y_test.cpu().numpy(), preds.cpu().numpy()
        confusion = np.bincount(truth * 10 + pred, minlength=100).reshape(10, 10)
        test_acc = float((truth == pred).mean())
        info = {
            "model": cfg.model, "steps": step, "batch_size": cfg.batch_size, "lr": cfg.lr,
            "momentum": cfg.momentum, "device": label, **plan.describe(),
            "test_acc": test_acc, "test_loss": test_loss, "samples": samples, **self.run_info(),
        }
        saved = save_checkpoint(model, cfg.model, info, extra=cfg.save, keep=cfg.checkpoint)
        done = Done(
            **info, test_correct=int((truth == pred).sum()), test_total=len(truth),
            samples_per_s=samples / max(train_time, 1e-9), train_time=train_time,
            eval_time=eval_time, confusion=confusion.tolist(),
            digits=pick_digits(plan.test.images, truth, pred, cfg.sample_digits, cfg.seed),
            saved=saved,
        )
        self.emit(done)
        return done
