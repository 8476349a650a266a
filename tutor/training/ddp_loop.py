"""Provides DDPTrainer: the MNIST training loop as one rank of a DistributedDataParallel group.

Every rank runs this loop in lockstep. Rank 0 alone holds the learner's Control: once per step it
broadcasts what happens next (go on, report the metrics so far, stop), so that a pause, a stop and
the progress reports land on the same step everywhere. Rank 0 also evaluates and saves; the others
wait for it in the next broadcast. The gradients are averaged by DDP itself (an all-reduce during
``backward()``), so the step is autograd's: the hand-written FCN/CNN steps of tutor.training.steps
update one process's parameters and have no place to hook the all-reduce.
"""

from __future__ import annotations

import math

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data.distributed import DistributedSampler

from tutor.training.config import TrainConfig
from tutor.training.loop import Control, Emit, RunResult, Trainer, evaluate, to_tensors
from tutor.training.meter import RunMeter
from tutor.training.models import CNN, build_model
from tutor.training.protocol import Done, EpochEnd, Paused, Progress, Resumed, Started, Stopped
from tutor.training.sources import DataPlan, load_plan
from tutor.training.steps import AutogradStep

GO, REPORT, STOP = 0, 1, 2  # what rank 0 broadcasts before each step


class DDPTrainer(Trainer):
    """One rank's run; ``emit`` is only called on rank 0. The process group must be initialised."""

    def __init__(
        self,
        config: TrainConfig,
        emit: Emit,
        control: Control | None,
        *,
        device: torch.device,
        label: str,
        threads: int,
    ) -> None:
        self.rank, self.world = dist.get_rank(), dist.get_world_size()
        super().__init__(config, emit if self.rank == 0 else (lambda event: None), control)
        self.device, self.label, self.threads = device, label, threads
        self.backend = dist.get_backend()
        self._flag = torch.zeros(1, dtype=torch.int64, device=device)

    def run_info(self) -> dict:
        return {
            "world_size": self.world,
            "backend": self.backend,
            "per_process_batch": self.config.per_process_batch,
        }

    def _decide(self, report_due: bool) -> int:
        """Rank 0 says what happens next (after any pause); every rank gets the same answer.

        Rank 0's meter leaves its pause out of the training or testing time.
        """
        if self.rank == 0:
            ctl = self.control
            if ctl.paused and not ctl.stopped:
                self.emit(Paused(step=self.step))
                self.meter.pause()
                ctl.wait_while_paused()
                self.meter.resume()
                if not ctl.stopped:
                    self.emit(Resumed(step=self.step))
            self._flag.fill_(STOP if ctl.stopped else REPORT if report_due else GO)
        dist.broadcast(self._flag, 0)
        return int(self._flag.item())

    def _gather(
        self, pending: list[torch.Tensor], correct: torch.Tensor, seen: int
    ) -> tuple[list, float, int]:
        """Every rank's batch losses averaged (equal shares); the correct and seen counts summed."""
        both = torch.cat(
            [
                torch.stack(pending).double(),
                correct.double().view(1),
                torch.tensor([float(seen)], dtype=torch.float64, device=self.device),
            ]
        )
        dist.all_reduce(both)
        losses = (both[:-2] / self.world).tolist()
        return losses, both[-2].item(), int(both[-1].item())

    def run(self, plan: DataPlan | None = None) -> Done | None:
        cfg, world = self.config, self.world
        torch.set_num_threads(self.threads)
        torch.manual_seed(
            cfg.seed
        )  # the same initial weights everywhere (DDP also broadcasts rank 0's)
        plan = plan or load_plan(cfg.data_dir, holdout=cfg.holdout, seed=cfg.seed)
        n, per = len(plan.train), cfg.per_process_batch
        if n < world:
            raise ValueError(f"{n} training images cannot be shared out over {world} processes")
        model = build_model(cfg.model).to(self.device)
        channels_last = type(model) is CNN and self.device.type == "cpu"  # as Trainer.run, measured
        if channels_last:
            model = model.to(memory_format=torch.channels_last)
        self.model = model
        ddp = DistributedDataParallel(
            model, device_ids=[self.device.index] if self.device.type == "cuda" else None
        )
        step_fn = AutogradStep(ddp, cfg.lr, cfg.momentum, self.device)
        x_train, y_train = to_tensors(plan.train, self.device, channels_last)
        step_fn.load(x_train, y_train)
        x_test = y_test = None
        if self.rank == 0:
            x_test, y_test = to_tensors(plan.test, self.device, channels_last)
        # Each rank gets ceil(n / world) indices an epoch (the sampler repeats a few to even out).
        sampler = DistributedSampler(
            range(n), num_replicas=world, rank=self.rank, shuffle=True, seed=cfg.seed
        )
        per_epoch = math.ceil(len(sampler) / per)
        # As Trainer: --steps, else --epochs of this sampler's steps, else the notes' one epoch.
        total = cfg.epochs * per_epoch if cfg.epochs is not None else cfg.total_steps(n)
        epochs = math.ceil(total / per_epoch)
        self.emit(
            Started(
                model=cfg.model,
                params=sum(p.numel() for p in model.parameters()),
                device=self.label,
                threads=self.threads,
                threads_auto=False,
                **plan.describe(),
                total_steps=total,
                steps_per_epoch=per_epoch,
                epochs=epochs,
                batch_size=cfg.batch_size,
                lr=cfg.lr,
                momentum=cfg.momentum,
                **self.run_info(),
            )
        )

        self.step = step = 0
        meter = self.meter = RunMeter(total, epochs)
        preds, test_loss = None, float("nan")
        for epoch in range(1, epochs + 1):
            sampler.set_epoch(epoch)  # a new shuffle each epoch, the same on every rank
            mine = torch.tensor(list(sampler), dtype=torch.int64, device=self.device)
            correct = torch.zeros((), dtype=torch.int64, device=self.device)
            seen, epoch_seen, epoch_correct, pending = 0, 0, 0.0, []
            meter.start_training()
            for b in range(per_epoch + 1):
                ending = b == per_epoch or step == total
                due = ending or meter.report_due(cfg.update_interval)
                what = self._decide(due and bool(pending))
                if what == STOP:
                    self.emit(Stopped(step=step, total_steps=total))
                    return None
                if what == REPORT:
                    losses, right, count = self._gather(pending, correct, seen)
                    epoch_correct += right
                    epoch_seen += count
                    pending, seen = [], 0
                    correct.zero_()
                    rates = meter.report(step, epoch)
                    self.emit(
                        Progress(
                            step=step,
                            total_steps=total,
                            epoch=epoch,
                            epochs=epochs,
                            epoch_step=b,
                            steps_per_epoch=per_epoch,
                            loss=losses[-1],
                            losses=losses,
                            train_acc=epoch_correct / max(epoch_seen, 1),
                            samples_per_s=rates.samples_per_s,
                            elapsed=rates.elapsed,
                            eta=rates.eta,
                            threads=self.threads,
                        )
                    )
                if ending:
                    break
                out, loss, yb = step_fn(mine[b * per : (b + 1) * per])
                pending.append(loss)
                correct += (out.argmax(1) == yb).sum()
                seen += len(yb)
                meter.add(len(yb) * world)
                self.step = step = step + 1
            epoch_train_time = meter.stop_training()

            meter.start_eval()
            stopped = False
            if self.rank == 0:
                result = evaluate(model, x_test, y_test, lambda: self.control.stopped)
                stopped = result is None
                if result is not None:
                    preds, test_loss = result
            if self._decide(False) == STOP or stopped:
                self.emit(Stopped(step=step, total_steps=total))
                return None
            this_eval = meter.stop_eval()  # a pause is not testing
            if self.rank == 0:
                self.emit(
                    EpochEnd(
                        epoch=epoch,
                        epochs=epochs,
                        step=step,
                        test_acc=(preds == y_test).float().mean().item(),
                        test_loss=test_loss,
                        train_acc=epoch_correct / max(epoch_seen, 1),
                        epoch_samples=epoch_seen,
                        epoch_train_time=epoch_train_time,
                        eval_time=this_eval,
                    )
                )
        if self.rank != 0:
            return None
        assert preds is not None and y_test is not None  # rank 0 tested every epoch
        return self._finish(
            RunResult(
                model=model,
                plan=plan,
                label=self.label,
                preds=preds,
                y_test=y_test,
                test_loss=test_loss,
                steps=step,
                meter=meter,
            )
        )
