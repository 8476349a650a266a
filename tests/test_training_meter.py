"""Tests RunMeter's arithmetic on a clock the test moves: pauses count as neither training nor testing."""

from __future__ import annotations

import pytest

from tutor.training.meter import RunMeter


class Clock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def wait(self, seconds: float) -> None:
        self.now += seconds


def test_rates_elapsed_and_eta_over_two_epochs_with_pauses():
    clock = Clock()
    meter = RunMeter(total_steps=20, epochs=2, clock=clock)
    meter.start_training()
    clock.wait(2.0)
    meter.add(640)  # 10 steps of 64 in 2 s
    assert not meter.report_due(2.5) and meter.report_due(2.0)
    rates = meter.report(step=10, epoch=1)
    # 320 samples/s; 10 steps left at 0.2 s each; one test left, at 0 s (none measured yet).
    assert (rates.samples_per_s, rates.elapsed, rates.eta) == (320.0, 2.0, 2.0)
    assert meter.stop_training() == 2.0
    meter.start_eval()
    clock.wait(0.5)
    meter.pause()
    clock.wait(60.0)  # paused while testing
    meter.resume()
    clock.wait(0.25)
    assert meter.stop_eval() == 0.75

    meter.start_training()
    clock.wait(1.0)
    meter.add(64)
    meter.pause()
    clock.wait(30.0)  # paused while training
    meter.resume()  # the rate's window starts again here
    clock.wait(1.0)
    meter.add(128)
    rates = meter.report(step=13, epoch=2)
    assert rates.samples_per_s == 128.0  # since the resume, not diluted by the pause
    assert rates.elapsed == 2.0 + 2.0 + 0.75  # training before, this epoch's 2 s, one test
    assert rates.eta == pytest.approx(7 * 4.0 / 13 + 1 * 0.75)
    assert meter.stop_training() == 2.0  # this epoch's training alone
    assert (meter.train_time, meter.eval_time, meter.samples) == (4.0, 0.75, 832)
    assert meter.samples_per_s == 832 / 4.0


def test_a_meter_that_never_trained_has_no_rate():
    meter = RunMeter(total_steps=1, epochs=1, clock=Clock())
    assert meter.samples_per_s == 0.0
    meter.start_training()
    assert meter.report(step=0, epoch=1).samples_per_s == 0.0  # no division by zero
