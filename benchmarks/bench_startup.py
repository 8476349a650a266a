"""Startup benchmark: the app in a real terminal (tmux), launch to home screen and to first cell result.

Targets (issue 4): launch -> home screen drawn <= 0.5 s; launch -> first cell result <= the time
`import torch` takes + 0.5 s. Both are measured from outside, by polling what tmux shows, and
torch's import time is measured in the same run (this machine is shared and noisy).

    .venv/bin/python benchmarks/bench_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "tests" / "app_lessons"
PYTHON = sys.executable
TORCH_TUTOR = str(Path(PYTHON).with_name("torch-tutor"))
POLL = 0.005


class Terminal:
    """A detached tmux session (private server) running one command."""

    def __init__(self, command: str, size=(100, 30)) -> None:
        self.socket = f"tt-bench-{uuid.uuid4().hex[:8]}"
        self.started = time.perf_counter()
        subprocess.run(
            [
                "tmux",
                "-L",
                self.socket,
                "new-session",
                "-d",
                "-s",
                "b",
                "-x",
                str(size[0]),
                "-y",
                str(size[1]),
                command,
            ],
            check=True,
        )

    def screen(self) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, "capture-pane", "-p", "-t", "b"],
            capture_output=True,
            text=True,
        ).stdout

    def send(self, *keys: str) -> None:
        subprocess.run(["tmux", "-L", self.socket, "send-keys", "-t", "b", *keys], check=True)

    def wait_for(self, text: str, timeout: float = 60.0) -> float:
        """Seconds from launch until ``text`` is on the screen."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if text in self.screen():
                return time.perf_counter() - self.started
            time.sleep(POLL)
        raise TimeoutError(f"{text!r} never appeared:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def app_command(program: list[str], home: str) -> str:
    env = ["env", f"TORCH_TUTOR_HOME={shlex.quote(home)}", "TERM=xterm-256color"]
    return f"cd {shlex.quote(str(ROOT))} && " + " ".join(env + [shlex.quote(p) for p in program])


def time_home(program: list[str]) -> float:
    with tempfile.TemporaryDirectory() as home:
        term = Terminal(app_command(program, home))
        try:
            return term.wait_for("learn PyTorch one step at a time")
        finally:
            term.close()


def time_first_result(program: list[str]) -> tuple[float, float]:
    """(lesson screen drawn, first verdict shown), both from launch; F5 is pressed at once."""
    with tempfile.TemporaryDirectory() as home:
        term = Terminal(app_command(program, home))
        try:
            drawn = term.wait_for("step 1/")
            term.send("F5")
            return drawn, term.wait_for("✓ Passed")
        finally:
            term.close()


def time_torch_import() -> tuple[float, float]:
    """(whole `python -c "import torch"` process, the import statement alone)."""
    start = time.perf_counter()
    out = subprocess.run(
        [
            PYTHON,
            "-c",
            "import time; t = time.perf_counter(); import torch; print(time.perf_counter() - t)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return time.perf_counter() - start, float(out.strip())


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):6.3f}  {min(values):6.3f}  {max(values):6.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is not installed: this benchmark needs a real terminal", file=sys.stderr)
        return 1

    fixture = ["--lessons", str(LESSONS)]
    programs = {
        "torch-tutor (built-in lessons)": [TORCH_TUTOR],
        "torch-tutor --only": [TORCH_TUTOR, *fixture, "--only"],
    }
    lesson_programs = {
        "torch-tutor app-basics": [TORCH_TUTOR, *fixture, "app-basics"],
        "torch-tutor app-basics --only": [TORCH_TUTOR, "app-basics", *fixture, "--only"],
    }
    home = {name: [] for name in programs}
    drawn = {name: [] for name in lesson_programs}
    result = {name: [] for name in lesson_programs}
    torch_proc, torch_stmt = [], []
    for _ in range(args.runs):
        # Round-robin, so a noisy neighbour hits every measurement alike.
        proc, stmt = time_torch_import()
        torch_proc.append(proc)
        torch_stmt.append(stmt)
        for name, program in programs.items():
            home[name].append(time_home(program))
        for name, program in lesson_programs.items():
            lesson, first = time_first_result(program)
            drawn[name].append(lesson)
            result[name].append(first)
    torch_med = statistics.median(torch_proc)
    rows: list[tuple[str, list[float], str]] = []
    for name in programs:
        rows.append((f"launch -> home drawn: {name}", home[name], "<= 0.5"))
    for name in lesson_programs:
        rows.append((f"launch -> lesson drawn: {name}", drawn[name], ""))
        rows.append(
            (f"launch -> first cell result: {name}", result[name], f"<= {torch_med + 0.5:.2f}")
        )
    rows.append(("python -c 'import torch' (whole process)", torch_proc, ""))
    rows.append(("import torch (statement only)", torch_stmt, ""))

    width = max(len(r[0]) for r in rows)
    print(
        f"{'measurement (seconds, ' + str(args.runs) + ' runs)':<{width}}  median     min     max  target"
    )
    for name, values, target in rows:
        print(f"{name:<{width}}  {summary(values)}  {target}")
    print(
        f"\nmachine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; the first cell result "
        "target is the median whole-process torch import + 0.5 s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
