"""The learner's code survives a quit and comes back with `torch-tutor LESSON_ID`; F5 then n in one
burst never types "n" into the cell: the real CLI in a real terminal (tmux)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_app_tmux import Tmux

LESSONS = Path(__file__).parent / "app_lessons"
TORCH_TUTOR = Path(sys.executable).parent / "torch-tutor"

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(not TORCH_TUTOR.exists(), reason="the torch-tutor script is not installed"),
]


def start(home: Path, editor: str = "") -> Tmux:
    """``torch-tutor app-basics`` in tmux; ``editor`` becomes $EDITOR (none set when empty)."""
    command = " ".join(
        [
            "env",
            "-u",
            "VISUAL",
            "-u",
            "EDITOR",
            f"TORCH_TUTOR_HOME={shlex.quote(str(home))}",
            "TERM=xterm-256color",
            *([f"EDITOR={shlex.quote(editor)}"] if editor else []),
            shlex.quote(str(TORCH_TUTOR)),
            "app-basics",
            "--lessons",
            shlex.quote(str(LESSONS)),
        ]
    )
    return Tmux(f"cd {shlex.quote(os.getcwd())} && {command}")


def wait_exit(tmux: Tmux, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = subprocess.run(
            ["tmux", "-L", tmux.socket, "ls"], capture_output=True, text=True
        ).stdout
        if "app" not in listed:
            return
        time.sleep(0.2)
    pytest.fail("the app did not quit on Ctrl+Q")


def test_an_edited_cell_comes_back_after_quitting_and_ctrl_t_then_ctrl_z_restores_it(tmp_path):
    tmux = start(tmp_path)
    try:
        tmux.wait_for("● ready")
        tmux.send("C-n")
        tmux.send("C-n")
        tmux.wait_for("step 3/4")
        tmux.send("e")
        tmux.wait_for("✎ Editing")
        tmux.send("-l", " # kept")
        tmux.wait_for("y = ... # kept")
        tmux.send("C-q")
        wait_exit(tmux)
    finally:
        tmux.close()
    tmux = start(tmp_path)
    try:
        shown = tmux.wait_for("● ready")
        assert "step 3/4" in shown and "y = ... # kept" in shown, shown
        tmux.send("F5")  # one attempt opens the solution
        tmux.wait_for("✗")
        tmux.send("F3")
        tmux.wait_for("Put it in the cell")
        tmux.send("C-t")
        shown = tmux.wait_for("1  y = x * 2")  # in the cell (the solution panel shows it too)
        assert "y = ... # kept" not in shown
        tmux.send("C-z")
        tmux.wait_for("1  y = ... # kept")
        tmux.send("C-q")
        wait_exit(tmux)
    finally:
        tmux.close()


def test_f5_then_n_in_one_burst_leaves_the_cell_text_unchanged(tmp_path):
    tmux = start(tmp_path)
    try:
        tmux.wait_for("● ready")
        tmux.send("e")
        tmux.wait_for("✎ Editing")
        tmux.send("F5", "n")  # one send-keys: the terminal delivers them together
        shown = tmux.wait_for("step 2/4")
        tmux.send("p")
        shown = tmux.wait_for("step 1/4")
        time.sleep(0.5)
        shown = tmux.screen()
        assert "print(x)" in shown and "print(x)n" not in shown, shown
        assert "the lesson's code" in shown  # the cell still holds the original
        tmux.send("C-q")
        wait_exit(tmux)
    finally:
        tmux.close()


def test_the_learners_editor_takes_the_terminal_and_its_text_comes_back(tmp_path):
    # A stand-in for vim or nano that edits the file and shows it had the terminal to itself.
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, time\n"
        "print('EDITOR HAS THE TERMINAL', flush=True)\n"
        "time.sleep(1.0)\n"
        "path = sys.argv[1]\n"
        "text = open(path).read()\n"
        "open(path, 'w').write(text.replace('print(x)', 'print(x, \"from my editor\")'))\n"
    )
    tmux = start(tmp_path, editor=f"{sys.executable} {editor}")
    try:
        tmux.wait_for("● ready")
        tmux.send("F12")
        tmux.wait_for("EDITOR HAS THE TERMINAL")
        tmux.wait_for('print(x, "from my editor")')
        tmux.wait_for("✎ your code")  # the cell's border: the learner's code, not the lesson's
        tmux.send("C-q")
        wait_exit(tmux)
    finally:
        tmux.close()
