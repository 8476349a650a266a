"""Tests ThreadTuner's choice of torch threads with a scripted clock (no timing in the test itself)."""

from __future__ import annotations

import pytest

from tutor.training.threads import ThreadTuner, candidates


class Script:
    """A clock whose step length depends on the thread count in use, as on a loaded machine."""

    def __init__(self, seconds_per_step: dict[int, float]) -> None:
        self.per_step = seconds_per_step
        self.now = 0.0
        self.threads = None
        self.applied: list[int] = []

    def apply(self, n: int) -> None:
        self.threads = n
        self.applied.append(n)

    def run(self, tuner: ThreadTuner, steps: int) -> None:
        for _ in range(steps):
            self.now += self.per_step[self.threads]
            tuner.step_done()


def test_candidates_halve_down_to_one():
    assert candidates(8) == [8, 4, 2, 1]
    assert candidates(2) == [2, 1]
    assert candidates(1) == [1]


def test_probes_every_count_keeps_the_fastest_and_probes_again_later():
    clock = Script({2: 0.004, 1: 0.001})  # another process holds a core: 1 thread wins
    tuner = ThreadTuner(
        2, probe_steps=5, hold_seconds=1.0, clock=lambda: clock.now, apply=clock.apply
    )
    clock.run(tuner, 2 * 6)
    assert not tuner.probing and tuner.current == 1
    assert tuner.timings == {2: pytest.approx(0.004), 1: pytest.approx(0.001)}
    clock.per_step[2] = 0.0005  # the other process ended: 2 threads win now
    clock.run(tuner, 1100)  # 1 s of holding, then a new probe
    assert tuner.current == 2
    assert clock.applied[:3] == [2, 1, 2]


def test_on_the_most_threads_it_probes_again_only_rarely_or_when_steps_slow_down():
    clock = Script({2: 0.001, 1: 0.0018})  # free cores: 2 threads win
    tuner = ThreadTuner(
        2,
        probe_steps=5,
        hold_seconds=1.0,
        recheck_seconds=10.0,
        clock=lambda: clock.now,
        apply=clock.apply,
    )
    clock.run(tuner, 2 * 6)
    assert tuner.current == 2 and tuner.probes == 1
    clock.run(tuner, 5000)  # 5 s of steady steps: past hold_seconds, no new probe
    assert tuner.probes == 1 and clock.applied == [2, 1, 2]
    clock.run(tuner, 6000)  # past recheck_seconds: one probe, and 2 threads still win
    assert tuner.probes == 2 and clock.applied == [2, 1, 2, 1, 2] and tuner.current == 2
    clock.per_step[2] = 0.004  # another process takes a core: 2 threads fall to a quarter
    clock.run(tuner, 6 + 6 + 6)  # one slow window, then the probe of 2 and of 1
    assert tuner.current == 1 and tuner.probes == 3
    assert tuner.timings == {2: pytest.approx(0.004), 1: pytest.approx(0.0018)}


def test_small_wobbles_do_not_start_a_probe():
    clock = Script({2: 0.001, 1: 0.002})
    tuner = ThreadTuner(
        2, probe_steps=5, recheck_seconds=1000.0, clock=lambda: clock.now, apply=clock.apply
    )
    clock.run(tuner, 12)
    for per_step in (0.0013, 0.0008, 0.0014, 0.001) * 50:  # ±40 %: a shared machine's noise
        clock.per_step[2] = per_step
        clock.run(tuner, 6)
    assert tuner.probes == 1 and tuner.current == 2


def test_a_pause_restarts_the_probe_window():
    clock = Script({2: 0.001, 1: 0.002})
    tuner = ThreadTuner(2, probe_steps=4, clock=lambda: clock.now, apply=clock.apply)
    clock.run(tuner, 3)
    clock.now += 100.0  # an evaluation or a pause happened here
    tuner.pause()
    clock.run(tuner, 20)
    assert tuner.timings[2] == pytest.approx(0.001) and tuner.current == 2


def test_one_thread_machine_never_switches():
    clock = Script({1: 0.001})
    tuner = ThreadTuner(1, clock=lambda: clock.now, apply=clock.apply)
    clock.run(tuner, 100)
    assert clock.applied == [1] and not tuner.probing
