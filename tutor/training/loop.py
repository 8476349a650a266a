"""Provides the MNIST training loop: preloaded normalised tensors, shuffled index batches."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from tutor.training.checkpoint import save_checkpoint
from tutor.training.config import TrainConfig
from tutor.training.device import pick_device
from tutor.training.meter import RunMeter
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
from tutor.training.steps import Step, fallback_note, make_step
from tutor.training.threads import ThreadTuner

MEAN, STD = 0.1307, 0.3081  # the notes' Normalize((0.1307,), (0.3081,))
# Evaluation batch sizes, measured on the notes' nets (docs/performance.md): a dense net is fastest
# in large batches; on the CPU a conv net's feature maps (23 KB an image after conv1) leave the
# cache beyond ~64 images (batches of 1,000 evaluated the CNN 1.2x slower).
EVAL_BATCH, EVAL_BATCH_CONV = 1000, 64
# torch's own default (the physical cores), taken before any run changes it.
DEFAULT_THREADS = torch.get_num_threads()

Emit = Callable[[Event], None]


class Control:
    """Thread-safe pause/stop flags, set by the command reader, polled by the loop once a step."""

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


def to_tensors(
    digits: Digits, device: torch.device, channels_last: bool
) -> tuple[torch.Tensor, torch.Tensor]:
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
    """Predictions and mean loss over a whole set, in batches sized for the model.

    None if ``stop()`` turns true.
    """
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


def pick_digits(
    images: np.ndarray, truth: np.ndarray, pred: np.ndarray, count: int, seed: int
) -> DigitSample:
    """A mixed handful of test digits for the screen: up to a third of them mistakes, shuffled."""
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


@dataclass
class RunSetup:
    """One run's fixed parts, as Trainer._prepare leaves them."""

    model: nn.Module
    plan: DataPlan
    label: str  # the device as the events name it
    device: torch.device
    step_fn: Step
    x_test: torch.Tensor
    y_test: torch.Tensor
    per_epoch: int
    total: int
    epochs: int
    threads: int  # the fixed count, or the most the tuner may choose
    tuner: ThreadTuner | None
    meter: RunMeter
    step: int = 0  # optimizer steps taken so far


@dataclass(frozen=True)
class EpochTally:
    """What an epoch's training counted, for its epoch event."""

    correct: int
    seen: int
    train_time: float  # seconds of training, pauses left out


@dataclass
class RunResult:
    """What a finished run hands to Trainer._finish."""

    model: nn.Module
    plan: DataPlan
    label: str
    preds: torch.Tensor  # the last epoch's predictions on the test set
    y_test: torch.Tensor
    test_loss: float
    steps: int
    meter: RunMeter


class Trainer:
    """Runs one training session, calling ``emit`` with its events (tutor.training.protocol)."""

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
        run = self._prepare(plan)
        gen = torch.Generator().manual_seed(self.config.seed)
        n = len(run.plan.train)
        tested = None
        for epoch in range(1, run.epochs + 1):
            perm = torch.randperm(n, generator=gen).to(run.device)
            tally = self._train_epoch(run, epoch, perm)
            tested = None if tally is None else self._test_epoch(run, epoch, tally)
            if tested is None:
                return None  # stopped
        assert tested is not None  # a run has at least one epoch
        preds, test_loss = tested
        return self._finish(
            RunResult(
                model=run.model,
                plan=run.plan,
                label=run.label,
                preds=preds,
                y_test=run.y_test,
                test_loss=test_loss,
                steps=run.step,
                meter=run.meter,
            )
        )

    def _prepare(self, plan: DataPlan | None) -> RunSetup:
        """Threads, device, model, data and step; emits the start event."""
        cfg = self.config
        tuner = None
        if cfg.threads:
            threads = cfg.threads
            torch.set_num_threads(threads)
        else:
            tuner = ThreadTuner(min(DEFAULT_THREADS, cfg.max_threads or DEFAULT_THREADS))
            threads = tuner.options[0]  # the most it may choose
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
        self.emit(
            Started(
                model=cfg.model,
                params=sum(p.numel() for p in model.parameters()),
                device=label,
                threads=threads,
                threads_auto=tuner is not None,
                **plan.describe(),
                total_steps=total,
                steps_per_epoch=per_epoch,
                epochs=epochs,
                batch_size=batch,
                lr=cfg.lr,
                momentum=cfg.momentum,
                note=fallback_note(model, device) or None,
            )
        )
        return RunSetup(
            model=model,
            plan=plan,
            label=label,
            device=device,
            step_fn=step_fn,
            x_test=x_test,
            y_test=y_test,
            per_epoch=per_epoch,
            total=total,
            epochs=epochs,
            threads=threads,
            tuner=tuner,
            meter=RunMeter(total, epochs),
        )

    def _train_epoch(self, run: RunSetup, epoch: int, perm: torch.Tensor) -> EpochTally | None:
        """One pass over ``perm``'s batches (or what is left of the run); None when stopped."""
        cfg, meter, batch = self.config, run.meter, self.config.batch_size
        correct = torch.zeros((), dtype=torch.int64, device=run.device)
        seen, pending = 0, []
        meter.start_training()
        for b in range(run.per_epoch):
            if run.step == run.total:
                break
            if (self.control.paused or self.control.stopped) and not self._sit_out_pause(run):
                return None
            out, loss, yb = run.step_fn(perm[b * batch : (b + 1) * batch])
            # Kept as tensors (steps return them detached) and read in bulk at emit time: no
            # per-step device sync.
            pending.append(loss)
            correct += (out.argmax(1) == yb).sum()
            seen += len(yb)
            meter.add(len(yb))
            run.step += 1
            if run.tuner:
                run.tuner.step_done()
            last = run.step == run.total or b == run.per_epoch - 1
            if last or meter.report_due(cfg.update_interval):
                rates = meter.report(run.step, epoch)
                losses = torch.stack(pending).tolist()
                pending = []
                self.emit(
                    Progress(
                        step=run.step,
                        total_steps=run.total,
                        epoch=epoch,
                        epochs=run.epochs,
                        epoch_step=b + 1,
                        steps_per_epoch=run.per_epoch,
                        loss=losses[-1],
                        losses=losses,
                        train_acc=correct.item() / seen,
                        samples_per_s=rates.samples_per_s,
                        elapsed=rates.elapsed,
                        eta=rates.eta,
                        threads=run.tuner.current if run.tuner else run.threads,
                    )
                )
        return EpochTally(correct=int(correct.item()), seen=seen, train_time=meter.stop_training())

    def _sit_out_pause(self, run: RunSetup) -> bool:
        """Wait while paused (the time is nobody's); False after emitting ``stopped``."""
        ctl = self.control
        run.meter.pause()
        if not ctl.stopped:
            self.emit(Paused(step=run.step))
            ctl.wait_while_paused()
        if ctl.stopped:
            self.emit(Stopped(step=run.step, total_steps=run.total))
            return False
        self.emit(Resumed(step=run.step))
        if run.tuner:
            run.tuner.pause()
        run.meter.resume()
        return True

    def _test_epoch(
        self, run: RunSetup, epoch: int, tally: EpochTally
    ) -> tuple[torch.Tensor, float] | None:
        """Test, emit the epoch event; the predictions and the loss, or None when stopped."""
        run.meter.start_eval()
        run.step_fn.publish()
        result = evaluate(run.model, run.x_test, run.y_test, lambda: self.control.stopped)
        if result is None:
            self.emit(Stopped(step=run.step, total_steps=run.total))
            return None
        preds, test_loss = result
        test_acc = (preds == run.y_test).float().mean().item()
        this_eval = run.meter.stop_eval()
        if run.tuner:
            run.tuner.pause()
        self.emit(
            EpochEnd(
                epoch=epoch,
                epochs=run.epochs,
                step=run.step,
                test_acc=test_acc,
                test_loss=test_loss,
                train_acc=tally.correct / max(tally.seen, 1),
                epoch_samples=tally.seen,
                epoch_train_time=tally.train_time,
                eval_time=this_eval,
            )
        )
        return preds, test_loss

    def _finish(self, result: RunResult) -> Done:
        """Save the model, then emit and return the done event."""
        cfg, meter = self.config, result.meter
        truth, pred = result.y_test.cpu().numpy(), result.preds.cpu().numpy()
        confusion = np.bincount(truth * 10 + pred, minlength=100).reshape(10, 10)
        test_acc = float((truth == pred).mean())
        info = {
            "model": cfg.model,
            "steps": result.steps,
            "batch_size": cfg.batch_size,
            "lr": cfg.lr,
            "momentum": cfg.momentum,
            "device": result.label,
            **result.plan.describe(),
            "test_acc": test_acc,
            "test_loss": result.test_loss,
            "samples": meter.samples,
            **self.run_info(),
        }
        saved = save_checkpoint(result.model, cfg.model, info, extra=cfg.save, keep=cfg.checkpoint)
        done = Done(
            **info,
            test_correct=int((truth == pred).sum()),
            test_total=len(truth),
            samples_per_s=meter.samples_per_s,
            train_time=meter.train_time,
            eval_time=meter.eval_time,
            confusion=confusion.tolist(),
            digits=pick_digits(result.plan.test.images, truth, pred, cfg.sample_digits, cfg.seed),
            saved=saved,
        )
        self.emit(done)
        return done
