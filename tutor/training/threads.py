"""Provides ThreadTuner: picks torch's thread count while training, because the best one changes with the machine's load.

Measured on a shared 2-core machine (docs/performance.md): with both cores free, 2 threads train the
CNN ~1.5× faster than 1; when another process takes a core, 2 OpenMP threads wait on each other at
every barrier and fall to a quarter of 1 thread's speed. So the tuner times short windows of real
training steps at each candidate count and keeps the fastest. It probes again when the chosen
count's steps slow down (another process arrived), every few seconds while it runs on fewer threads
than it may (to notice that process leaving), and rarely otherwise: each probe trains a window on
the slower counts, which costs a few percent of a run when nothing has changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch


def candidates(max_threads: int) -> list[int]:
    """``max_threads`` and its halvings down to 1, e.g. 8 → [8, 4, 2, 1]."""
    found, n = [], max(1, max_threads)
    while n > 1:
        found.append(n)
        n //= 2
    return found + [1]


class ThreadTuner:
    """Call ``step_done()`` after every training step; it switches ``torch.set_num_threads`` as it learns.

    ``hold_seconds``: on fewer threads than the most, probe again after this long.
    ``recheck_seconds``: on the most threads, probe again after this long even if nothing slowed.
    ``slowdown``: a window of steps this many times slower than the chosen count's probe starts a probe at once.
    """

    def __init__(
        self,
        max_threads: int,
        *,
        probe_steps: int = 12,
        hold_seconds: float = 3.0,
        recheck_seconds: float = 30.0,
        slowdown: float = 1.5,
        clock: Callable[[], float] = time.perf_counter,
        apply: Callable[[int], None] = torch.set_num_threads,
    ) -> None:
        self.options = candidates(max_threads)
        self.probe_steps = probe_steps
        self.hold_seconds, self.recheck_seconds, self.slowdown = (
            hold_seconds,
            recheck_seconds,
            slowdown,
        )
        self._clock, self._apply = clock, apply
        self.timings: dict[int, float] = {}  # seconds per step, from the latest probe
        self.probes = 0  # probes started, the first included
        self._probe_index = 0
        self._count = -1  # -1: the first step after a switch or a pause is not timed (pool warm-up)
        self._started = 0.0
        self._hold_until = 0.0
        self.current = self.options[0]
        self._apply(self.current)
        if len(self.options) == 1:
            self._probe_index = 1  # nothing to choose from
        else:
            self.probes = 1

    @property
    def probing(self) -> bool:
        return self._probe_index < len(self.options)

    def step_done(self) -> None:
        now = self._clock()
        if self._count < 0:
            self._count, self._started = 0, now
            return
        self._count += 1
        if self.probing:
            if self._count >= self.probe_steps:
                self._finish_window(now)
        elif len(self.options) > 1:
            self._watch(now)

    def pause(self) -> None:
        """Call after a pause or an evaluation: the running window would be wrong, so restart it."""
        self._count = -1

    def _finish_window(self, now: float) -> None:
        self.timings[self.current] = (now - self._started) / self._count
        self._probe_index += 1
        if self.probing:
            self._switch(self.options[self._probe_index], now)
            return
        best = min(self.timings, key=self.timings.__getitem__)
        self._switch(best, now)
        wait = self.recheck_seconds if best == self.options[0] else self.hold_seconds
        self._hold_until = now + wait

    def _watch(self, now: float) -> None:
        slowed = False
        if self._count >= self.probe_steps:
            per_step = (now - self._started) / self._count
            slowed = per_step > self.slowdown * self.timings[self.current]
            self._count, self._started = 0, now
        if slowed or now >= self._hold_until:
            self.probes += 1
            self._probe_index = 0
            self._switch(self.options[0], now)

    def _switch(self, threads: int, now: float) -> None:
        if threads != self.current:
            self._apply(threads)
            self.current = threads
        self._count, self._started = -1, now
