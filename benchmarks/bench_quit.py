"""Quit benchmark: Ctrl+Q pressed in a real terminal (tmux) until the app's process has ended.

Target (issue 12): Ctrl+Q quits within 0.5 s. Measured from outside: the app runs in a tmux pane
that stays after its command ends, and the time is from sending Ctrl+Q until tmux reports the pane
dead. Three cases: the home screen with the interpreter ready, a lesson after a cell ran (the worker
holds a namespace), and the training screen (its worker booted too). After each run the benchmark
checks that no worker the app started is left (the app's session folder and processes).

    .venv/bin/python benchmarks/bench_quit.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_startup import LESSONS, TORCH_TUTOR, Terminal, app_command  # noqa: E402

POLL = 0.005
TARGET = 0.5


def _pane(term: Terminal, fmt: str) -> str:
    return subprocess.run(
        ["tmux", "-L", term.socket, "display-message", "-p", "-t", "b", fmt],
        capture_output=True,
        text=True,
    ).stdout.strip()


def _descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def time_quit(program: list[str], before_quit: list[tuple[str, str]]) -> tuple[float, int]:
    """(seconds from Ctrl+Q to the app's exit, workers left alive 2 s later)."""
    with tempfile.TemporaryDirectory() as home:
        term = Terminal(app_command(program, home))
        try:
            subprocess.run(
                ["tmux", "-L", term.socket, "set-option", "-t", "b", "remain-on-exit", "on"],
                check=True,
            )
            term.wait_for("● ready")
            for keys, wait in before_quit:
                if keys:
                    term.send(keys)
                term.wait_for(wait)
            app_pid = int(_pane(term, "#{pane_pid}"))
            workers = _descendants(app_pid)
            start = time.perf_counter()
            term.send("C-q")
            while _pane(term, "#{pane_dead}") != "1":
                if time.perf_counter() - start > 30:
                    raise TimeoutError("the app did not quit within 30 s")
                time.sleep(POLL)
            elapsed = time.perf_counter() - start
            time.sleep(2)
            return elapsed, sum(_alive(pid) for pid in workers)
        finally:
            term.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is not installed: this benchmark needs a real terminal", file=sys.stderr)
        return 1
    # The learner's entry point (launch()), with the test lessons beside the built-in ones.
    base = [TORCH_TUTOR, "--lessons", str(LESSONS)]
    cases = {
        "home screen, interpreter ready": (base, []),
        "lesson, after a cell ran": (base + ["app-basics"], [("F5", "✓ Passed")]),
        "training screen, worker booted": (base, [("t", "MNIST training"), ("", "torch ")]),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    left = 0
    for _ in range(args.runs):
        for name, (program, steps) in cases.items():
            elapsed, alive = time_quit(program, steps)
            times[name].append(elapsed)
            left += alive
    width = max(len(name) for name in cases)
    title = f"Ctrl+Q -> process ended (s, {args.runs} runs)"
    print(f"{title:<{width}}  median     min     max  target")
    for name, values in times.items():
        median = statistics.median(values)
        ok = "ok" if median <= TARGET else "MISSED"
        spread = f"{median:6.3f}  {min(values):6.3f}  {max(values):6.3f}"
        print(f"{name:<{width}}  {spread}  <= {TARGET} {ok}")
    print(f"\nworker processes still alive 2 s after the app ended: {left}")
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    return 0 if left == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
