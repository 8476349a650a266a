"""The run keys (F5, Ctrl+R) and the step keys arrive through a real terminal: the app under tmux."""

from __future__ import annotations

import os
import shlex
import shutil
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
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True,
                              capture_output=True, text=True).stdout

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
    command = " ".join([
        "env", f"TORCH_TUTOR_HOME={shlex.quote(str(tmp_path))}", "TERM=xterm-256color",
        shlex.quote(sys.executable), "-m", "tutor.app", "app-basics",
        "--lessons", shlex.quote(str(LESSONS)), "--only", "--stable",
    ])
    session = Tmux(f"cd {shlex.quote(os.getcwd())} && {command}")
    yield session
    session.close()


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
    assert "y = ..." in shown and "ny = ..." not in shown
    tmux.send("e")  # e enters the editor; then letters are text
    tmux.wait_for("Code  (Esc leaves")
    tmux.send("z")
    shown = tmux.wait_for("zy = ...")
    assert "step 3/4" in shown
    # Esc and n sent together read as Alt+N in any terminal; a learner's keys come apart.
    tmux.send("Escape")
    tmux.wait_for("Code  (Enter edits")  # the cell's title says the editor was left
    tmux.send("n")
    tmux.wait_for("step 4/4")
    tmux.send("C-q")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if "app" not in subprocess.run(["tmux", "-L", tmux.socket, "ls"], capture_output=True,
                                       text=True).stdout:
            break
        time.sleep(0.2)
    else:
        pytest.fail("the app did not quit on Ctrl+Q")
