"""When the process that owns an interpreter is killed with SIGKILL, nothing it started lives on.

The worker dies with its owner (PR_SET_PDEATHSIG); what a cell started (a forked child, a
``setsid`` daemon) and the session and cgroup folders are the reaper's job, and, should the
reaper be killed too, the next session's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tutor.interpreter import SyncInterpreter

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")

# The owner: starts a cell that leaves a forked child and a setsid daemon and then sleeps
# (processes a cell leaves are killed when it ends), says what it has, and waits to be killed.
OWNER = textwrap.dedent(
    """
    import json, queue, threading, time
    from tutor.interpreter import SyncInterpreter

    it = SyncInterpreter(spare=False, default_timeout=0)
    it.start()
    cell = (
        "import os, subprocess, time\\n"
        "daemon = subprocess.Popen(['sleep', '300'], start_new_session=True)\\n"
        "child = os.fork()\\n"
        "if child == 0:\\n"
        "    time.sleep(300)\\n"
        "    os._exit(0)\\n"
        "print(daemon.pid, child)\\n"
        "time.sleep(600)\\n"
    )
    lines = queue.Queue()
    threading.Thread(target=it.execute, args=(cell,), kwargs={"on_output": lines.put},
                     daemon=True).start()
    text = ""
    while "\\n" not in text:  # output arrives in chunks, not lines
        text += lines.get(timeout=60)
    kids = text.split()
    info = it.worker_info
    print(json.dumps({"kids": kids, "worker": info["pid"], "cgroup": info["cgroup"],
                      "workdir": it.workdir}), flush=True)
    time.sleep(600)
    """
)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _wait_gone(pids: list[int], seconds: float) -> list[int]:
    end = time.monotonic() + seconds
    while (alive := [p for p in pids if _alive(p)]) and time.monotonic() < end:
        time.sleep(0.05)
    return alive


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1]
            except OSError:
                continue
            if int(ppid) == pid:
                found.append(int(entry))
    return found


def _start_owner(tmp_path: Path) -> tuple[subprocess.Popen, dict]:
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": os.getcwd()}
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER], stdout=subprocess.PIPE, env=env, text=True
    )
    assert owner.stdout is not None
    line = owner.stdout.readline()
    info = json.loads(line)
    info["kids"] = [int(p) for p in info["kids"]]
    assert len(info["kids"]) == 2 and all(_alive(p) for p in info["kids"])
    return owner, info


@pytest.mark.timeout(120)
def test_sigkill_of_the_owner_kills_what_cells_started_and_removes_the_folders(tmp_path):
    owner, info = _start_owner(tmp_path)
    owner.kill()
    owner.wait()
    left = _wait_gone([info["worker"], *info["kids"]], 10)
    assert left == [], "cell processes outlived the owner"
    end = time.monotonic() + 10
    while Path(info["workdir"]).exists() and time.monotonic() < end:
        time.sleep(0.05)
    assert not Path(info["workdir"]).exists(), "the session folder was left behind"
    if info["cgroup"]:
        assert not Path(info["cgroup"]).exists(), "the cgroup folder was left behind"


@pytest.mark.timeout(120)
def test_the_next_session_cleans_up_when_the_reaper_was_killed_too(tmp_path):
    owner, info = _start_owner(tmp_path)
    if not info["cgroup"]:
        pytest.skip("no writable pids cgroup: only the process group (and the reaper) finds them")
    for pid in _children(owner.pid):  # the reaper, and the worker
        os.kill(pid, signal.SIGKILL)
    owner.kill()
    owner.wait()
    with SyncInterpreter(spare=False) as it:  # a new session finds the dead owner's cgroup
        assert it.execute("1").value == "1"
    assert _wait_gone(info["kids"], 10) == []
    assert not Path(info["cgroup"]).exists()
