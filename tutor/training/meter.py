"""Provides RunMeter: a training run's clock (training and testing seconds, samples, rates, ETA)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rates:
    """What a progress event reports about time."""

    samples_per_s: float  # since the previous report (or the last resume)
    elapsed: float  # training and testing so far, pauses left out
    eta: float  # seconds: the steps left at this run's pace, and the tests left at theirs


class RunMeter:
    """Times one run. Pauses count as neither training nor testing.

    Each epoch: ``start_training()``, ``add(samples)`` per step, ``report()`` when a progress
    event is due, ``stop_training()``; then ``start_eval()`` and ``stop_eval()``. ``pause()`` and
    ``resume()`` may come in either phase; a resume also restarts the rate's window, so the rate
    after a pause is not diluted by it.
    """

    def __init__(
        self, total_steps: int, epochs: int, clock: Callable[[], float] = time.perf_counter
    ) -> None:
        self.total_steps, self.epochs = total_steps, epochs
        self.clock = clock
        self.samples = 0
        self.train_time = 0.0  # finished stretches of training (each added at its end)
        self.eval_time = 0.0
        self.evals = 0
        self._phase_start = self._window_start = self._paused_at = clock()
        self._window_samples = 0
        self._epoch_train_before = 0.0

    def _restart_window(self, now: float) -> None:
        self._window_start, self._window_samples = now, self.samples

    def start_training(self) -> None:
        """An epoch's training begins."""
        now = self.clock()
        self._epoch_train_before = self.train_time
        self._phase_start = now
        self._restart_window(now)

    def add(self, samples: int) -> None:
        self.samples += samples

    def report_due(self, interval: float) -> bool:
        return self.clock() - self._window_start >= interval

    def report(self, step: int, epoch: int) -> Rates:
        """The figures for a progress event at ``step`` of ``epoch``; the rate's window restarts."""
        now = self.clock()
        active = self.train_time + now - self._phase_start
        rate = (self.samples - self._window_samples) / max(now - self._window_start, 1e-9)
        tests_left = (self.epochs - epoch + 1) * (self.eval_time / max(self.evals, 1))
        eta = (self.total_steps - step) * active / max(step, 1) + tests_left
        self._restart_window(now)
        return Rates(samples_per_s=rate, elapsed=active + self.eval_time, eta=eta)

    def stop_training(self) -> float:
        """An epoch's training ends; its seconds of training."""
        self.train_time += self.clock() - self._phase_start
        return self.train_time - self._epoch_train_before

    def start_eval(self) -> None:
        self._phase_start = self.clock()

    def stop_eval(self) -> float:
        """The test set has been evaluated; the seconds it took."""
        seconds = self.clock() - self._phase_start
        self.eval_time += seconds
        self.evals += 1
        return seconds

    def pause(self) -> None:
        self._paused_at = self.clock()

    def resume(self) -> None:
        now = self.clock()
        self._phase_start += now - self._paused_at  # the pause is not this phase's time
        self._restart_window(now)

    @property
    def samples_per_s(self) -> float:
        """The run's training rate: every sample over the seconds of training."""
        return self.samples / max(self.train_time, 1e-9)
