"""The run keys (F5, Ctrl+R) and the step keys arrive through a real terminal: the app under tmux."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

LESSONS = Path(__file__).parent / "app_lessons"

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


class Tmux:
    """One app in a detached tmux session on a private server socket."""

    def __init__(self, command: str, size: tuple[int, int] = (100, 30)) -> None:
        self.socket = f"tt-test-{uuid.uuid4().hex[:8]}"
        self.tmux("new-session", "-d", "-s", "app", "-x", str(size[0]), "-y", str(size[1]), command)

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], check=True, capture_output=True, text=True
        ).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "app")

    def send(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "app", *keys)

    def wait_for(self, text: str, timeout: float = 90.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen shows:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def app_in_tmux(tmp_path):
    # TMPDIR: the interpreter's session folder (torch-tutor-<app pid>-...) is made in tmp_path/tmp.
    (tmp_path / "tmp").mkdir()
    command = " ".join(
        [
            "env",
            f"TORCH_TUTOR_HOME={shlex.quote(str(tmp_path))}",
            "TERM=xterm-256color",
            f"TMPDIR={shlex.quote(str(tmp_path / 'tmp'))}",
            shlex.quote(sys.executable),
            "-m",
            "tutor",
            "app-basics",
            "--lessons",
            shlex.quote(str(LESSONS)),
            "--only",
            "--stable",
        ]
    )
    session = Tmux(f"cd {shlex.quote(os.getcwd())} && {command}")
    yield session
    session.close()


def session_folder(tmp_path: Path) -> Path:
    folders = list((tmp_path / "tmp").glob("torch-tutor-*"))
    assert len(folders) == 1, folders
    return folders[0]


def processes_in(folder: Path) -> list[int]:
    """The pids whose working folder is ``folder``: the interpreter's workers."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if os.readlink(proc / "cwd") == str(folder):
                    found.append(int(proc.name))
            except OSError:
                continue  # gone meanwhile, or not ours to look at
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_until(condition, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs /proc to find the workers")
@pytest.mark.parametrize("how", ["SIGTERM", "terminal closed"])
def test_a_killed_or_hung_up_app_shuts_its_interpreter_down(app_in_tmux, tmp_path, how):
    tmux = app_in_tmux
    tmux.wait_for("● ready")
    folder = session_folder(tmp_path)
    app_pid = int(folder.name.split("-")[2])
    workers = processes_in(folder)
    assert workers and all(alive(pid) for pid in workers)
    if how == "SIGTERM":
        os.kill(app_pid, signal.SIGTERM)
    else:
        tmux.tmux("kill-session", "-t", "app")  # SIGHUP to the app, as when a terminal closes
    wait_until(lambda: not alive(app_pid), "the app to exit")
    assert not [pid for pid in workers if alive(pid)], "a worker outlived the app"
    assert not folder.exists(), "the session folder was left behind"


def test_run_and_step_keys_through_tmux(app_in_tmux):
    tmux = app_in_tmux
    tmux.wait_for("● ready")
    assert "step 1/4" in tmux.screen()
    tmux.send("F5")
    tmux.wait_for("✓ Passed")
    tmux.send("C-n")
    tmux.wait_for("step 2/4")
    tmux.send("C-r")
    shown = tmux.wait_for("✓ Passed")
    assert shown.count("tensor([ 5., 10., 15.])") == 2  # in the output and in the expected panel
    # Plain letters step too, and never type into the cell: focus stays out of the editor.
    tmux.send("n")
    tmux.wait_for("step 3/4")
    tmux.send("n")
    tmux.wait_for("step 4/4")
    tmux.send("p")
    shown = tmux.wait_for("step 3/4")
    assert "y = ..." in shown and "ny = ..." not in shown and "y = ...n" not in shown
    tmux.send("e")  # e enters the editor (the cursor at the end); then letters are text
    tmux.wait_for("✎ Editing  (Esc leaves")
    tmux.send("z")
    shown = tmux.wait_for("y = ...z")
    assert "step 3/4" in shown
    # Esc and n sent together read as Alt+N in any terminal; a learner's keys come apart.
    tmux.send("Escape")
    tmux.wait_for("Code  (Enter edits")  # the cell's title says the editor was left
    tmux.send("n")
    tmux.wait_for("step 4/4")
    tmux.send("C-q")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if (
            "app"
            not in subprocess.run(
                ["tmux", "-L", tmux.socket, "ls"], capture_output=True, text=True
            ).stdout
        ):
            break
        time.sleep(0.2)
    else:
        pytest.fail("the app did not quit on Ctrl+Q")
