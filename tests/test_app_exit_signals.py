"""SIGHUP, SIGTERM and SIGINT end the app and everything it started within a second, at any moment.

The real `torch-tutor` in a real terminal (tmux), signalled at several points of its start-up
(before the handler is even installed, while the workers import torch, when it is ready) and
during a training run. Every process the app started is tracked from outside until the signal.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest
from test_app_tmux import Tmux

LESSONS = Path(__file__).parent / "app_lessons"
DEADLINE = 1.0  # the promise: everything gone within a second of the signal
APP = Path(sys.executable).with_name("torch-tutor")

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to follow them"),
]


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")  # a zombie has ended


def descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def working_in(folder: Path) -> list[int]:
    """Processes whose working folder is inside ``folder`` (workers and what cells started)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/cwd").startswith(str(folder)):
                    found.append(int(entry))
            except OSError:
                continue
    return found


@pytest.fixture
def app(tmp_path):
    (tmp_path / "tmp").mkdir()
    program = [str(APP)] if APP.exists() else [sys.executable, "-m", "tutor.cli.main"]
    command = " ".join(
        [
            "exec",
            "env",
            f"TORCH_TUTOR_HOME={shlex.quote(str(tmp_path))}",
            "TERM=xterm-256color",
            f"TMPDIR={shlex.quote(str(tmp_path / 'tmp'))}",
            *map(shlex.quote, program),
            "--lessons",
            shlex.quote(str(LESSONS)),
        ]
    )
    term = Tmux(f"cd {shlex.quote(os.getcwd())} && {command}")
    term.pid = int(term.tmux("display-message", "-p", "-t", "app", "#{pane_pid}"))
    yield term
    term.close()
    for pid in [term.pid, *working_in(tmp_path / "tmp")]:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def _watch(app: Tmux, until) -> set[int]:
    """Every process the app starts, followed until ``until()`` is true."""
    seen: set[int] = set()
    give_up = time.monotonic() + 90
    while not until():
        assert time.monotonic() < give_up, f"never got there; the screen shows:\n{app.screen()}"
        seen |= descendants(app.pid)
        time.sleep(0.05)
    return seen | descendants(app.pid)


def _signal(app: Tmux, how: str) -> None:
    if how == "SIGHUP":
        app.tmux("kill-session", "-t", "app")  # the terminal closes: SIGHUP, and the tty is gone
    else:
        os.kill(app.pid, getattr(signal, how))


def _assert_all_end(app: Tmux, seen: set[int], tmp_path: Path, how: str) -> None:
    sent = time.monotonic()
    _signal(app, how)
    watched = {app.pid} | seen
    while [p for p in watched if alive(p)] and time.monotonic() - sent < 10:
        time.sleep(0.005)
    took = time.monotonic() - sent
    left = [p for p in watched if alive(p)]
    assert not left, f"still running 10 s after {how}: {left}"
    assert took <= DEADLINE, f"{how}: the app and its {len(seen)} processes took {took:.2f} s"

    # Nothing it started after the last look either, and the session folder is cleaned up.
    def session_folders() -> list[Path]:
        return list((tmp_path / "tmp").glob("torch-tutor-*"))

    end = time.monotonic() + 10
    while (working_in(tmp_path / "tmp") or session_folders()) and time.monotonic() < end:
        time.sleep(0.05)
    assert working_in(tmp_path / "tmp") == []
    assert session_folders() == [], "the session folder was left behind"


@pytest.mark.parametrize(
    ("after", "how"),
    [
        (0.2, "SIGTERM"),
        (0.6, "SIGHUP"),
        (0.9, "SIGINT"),
        (1.1, "SIGHUP"),
        (1.4, "SIGHUP"),
        (1.8, "SIGTERM"),
        (2.2, "SIGHUP"),
    ],
)
def test_a_signal_during_start_up_ends_everything_within_a_second(app, tmp_path, after, how):
    launched = time.monotonic()
    seen = _watch(app, lambda: time.monotonic() - launched >= after)
    _assert_all_end(app, seen, tmp_path, how)


@pytest.mark.parametrize("how", ["SIGHUP", "SIGTERM", "SIGINT"])
def test_a_signal_to_the_ready_app_ends_everything_within_a_second(app, tmp_path, how):
    app.wait_for("ready")
    seen = _watch(app, lambda: len(descendants(app.pid)) >= 2)  # the worker and its spare
    _assert_all_end(app, seen, tmp_path, how)


def test_a_signal_during_training_ends_the_training_worker_too(app, tmp_path):
    app.wait_for("ready")
    app.send("t")
    app.wait_for("Start")
    app.send("s")

    def training() -> bool:
        for pid in descendants(app.pid):
            try:
                if b"tutor.training.worker" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    fields = _stat(pid) or ["0"] * 13
                    # 4 s of CPU (user + system, in 1/100 s): torch imported and training
                    return int(fields[11]) + int(fields[12]) > 400
            except (OSError, ValueError):
                continue
        return False

    seen = _watch(app, training)
    _assert_all_end(app, seen, tmp_path, "SIGHUP")
