"""Provides the interpreter benchmark: start, round trip, interrupt and restart against targets.

Run: ``.venv/bin/python benchmarks/bench_interpreter.py [--rounds N]``. Prints a table and ends
with one summary line. The torch import time is measured in the same run, because the cold
restart target is relative to it and this machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

from tutor.interpreter import Interpreter

CELL = "x = torch.ones(3,4); print(x)"


@dataclass
class Row:
    name: str
    short: str  # for the summary line
    samples: list[float]  # seconds
    target: float | None  # seconds, or None (informational)
    unit: str = "ms"

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def fmt(self, seconds: float) -> str:
        return f"{seconds * 1000:.2f} ms" if self.unit == "ms" else f"{seconds:.3f} s"

    @property
    def ok(self) -> bool | None:
        return None if self.target is None else self.median <= self.target


def torch_import_times(rounds: int) -> list[float]:
    """Wall time of a whole `python -c "import torch"` process (as a cold worker pays it)."""
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import torch"], check=True)
        times.append(time.perf_counter() - t)
    return times


async def cold_starts(rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        it = Interpreter(spare=False)
        t = time.perf_counter()
        await it.start()
        times.append(time.perf_counter() - t)
        await it.shutdown()
    return times


async def round_trips(it: Interpreter, rounds: int) -> list[float]:
    for _ in range(20):
        await it.execute(CELL)
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        r = await it.execute(CELL)
        times.append(time.perf_counter() - t)
        assert r.status == "ok", r
    return times


async def lesson_switches(it: Interpreter, rounds: int) -> list[float]:
    """A cell in another lesson's namespace: the leaving lesson's process state is saved and the
    arriving one's restored (tutor/interpreter/baseline.py), instead of a fresh worker."""
    times = []
    for i in range(rounds):
        t = time.perf_counter()
        r = await it.execute(CELL, namespace=f"lesson-{i % 2}")
        times.append(time.perf_counter() - t)
        assert r.status == "ok", r
    return times


async def interrupts(it: Interpreter, rounds: int) -> list[float]:
    """From interrupt() to the answer of the next cell: a usable prompt."""
    times = []
    for _ in range(rounds):
        task = asyncio.create_task(it.execute("while True: pass"))
        await asyncio.sleep(0.2)
        t = time.perf_counter()
        await it.interrupt()
        r = await task
        after = await it.execute("1")
        times.append(time.perf_counter() - t)
        assert r.status == "interrupted" and after.value == "1", (r, after)
    return times


async def wait_for_spare(it: Interpreter) -> None:
    for _ in range(1200):
        if it.has_spare:
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("the spare worker never came up")


async def restarts(it: Interpreter, rounds: int, spare: bool) -> list[float]:
    """From restart() to the answer of the next cell."""
    times = []
    for _ in range(rounds):
        if spare:
            await wait_for_spare(it)
        t = time.perf_counter()
        await it.restart()
        r = await it.execute("1")
        times.append(time.perf_counter() - t)
        assert r.value == "1", r
    return times


async def main(rounds: int) -> int:
    load_before = os.getloadavg()
    imports = torch_import_times(3)
    import_time = statistics.median(imports)
    rows = [Row("torch import (whole process)", "torch import", imports, None, "s")]
    rows.append(Row("cold start to ready", "cold start", await cold_starts(3), None, "s"))

    it = Interpreter(spare=True)
    device = await it.start()
    trips = await round_trips(it, rounds)
    rows.append(Row(f"warm round trip: {CELL}", "round trip", trips, 0.002))
    switches = await lesson_switches(it, 100)
    rows.append(Row("the same cell, each in another lesson", "lesson switch", switches, None))
    stops = await interrupts(it, 10)
    rows.append(Row("interrupt `while True: pass` to prompt", "interrupt", stops, 0.100))
    spare = await restarts(it, 5, spare=True)
    # Also what a fresh worker per lesson would cost at each lesson change, before replaying the
    # lesson's earlier steps (and a spare boot, ~2 s of CPU, in the background).
    rows.append(Row("forced restart, spare ready", "restart (spare)", spare, 0.100))
    await it.shutdown()

    cold = Interpreter(spare=False)
    await cold.start()
    no_spare = await restarts(cold, 3, spare=False)
    rows.append(Row("forced restart, no spare", "restart (cold)", no_spare, import_time + 0.3, "s"))
    await cold.shutdown()
    load_after = os.getloadavg()

    print(
        f"machine: {platform.node()} {os.cpu_count()} cores, {device.label}, torch {device.torch_version}"
    )
    print(f"load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}\n")
    width = max(len(r.name) for r in rows)
    print(f"{'measure':<{width}}  {'median':>11}  {'min':>11}  {'max':>11}  {'target':>11}  ok")
    for r in rows:
        target = f"<= {r.fmt(r.target)}" if r.target is not None else ""
        mark = {None: "", True: "yes", False: "NO"}[r.ok]
        print(
            f"{r.name:<{width}}  {r.fmt(r.median):>11}  {r.fmt(min(r.samples)):>11}  "
            f"{r.fmt(max(r.samples)):>11}  {target:>11}  {mark}"
        )
    judged = [r for r in rows if r.ok is not None]
    met = sum(1 for r in judged if r.ok)
    print(
        f"\nbench_interpreter: {met}/{len(judged)} targets met | "
        + " | ".join(f"{r.short} {r.fmt(r.median)}" for r in rows)
    )
    return 0 if met == len(judged) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300, help="warm round trips to time")
    sys.exit(asyncio.run(main(parser.parse_args().rounds)))
