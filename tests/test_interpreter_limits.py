"""Every limit against a real worker: timeouts, interrupts, memory, output, crashes, forks."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from pathlib import Path

import pytest

from tutor.interpreter import SyncInterpreter

LIMIT_MB = 512

# Swallows KeyboardInterrupt, so only kill + restart can stop it.
STUBBORN = "import time\nwhile True:\n    try:\n        time.sleep(0.05)\n    except KeyboardInterrupt:\n        pass\n"


@pytest.fixture(scope="module")
def interp():
    with SyncInterpreter(spare=True, memory_limit_mb=LIMIT_MB, default_timeout=60) as it:
        yield it


def test_timeout_interrupts_first_and_keeps_the_namespace(interp):
    interp.execute("kept = 41")
    generation = interp.generation
    r = interp.execute("while True:\n    pass", timeout=0.5)
    assert r.status == "timeout"
    assert r.detail == "interrupted after the 0.5 s timeout"
    assert r.error_type == "KeyboardInterrupt"
    assert interp.generation == generation
    assert interp.execute("kept + 1").value == "42"


def test_timeout_kills_and_restarts_when_the_interrupt_does_not_land(interp):
    interp.execute("lost = 1")
    generation = interp.generation
    r = interp.execute(STUBBORN, timeout=0.3)
    assert r.status == "timeout"
    assert "killed after 2 s" in r.detail and "namespace was lost" in r.detail
    assert interp.generation == generation + 1
    after = interp.execute("lost")
    assert after.error_type == "NameError"
    assert interp.execute("1 + 1").value == "2"


def test_interrupt_stops_an_endless_loop_and_the_prompt_is_usable(interp):
    interp.execute("still = 'here'")
    timer = threading.Timer(0.3, interp.interrupt)
    timer.start()
    r = interp.execute("while True:\n    pass")
    timer.join()
    assert r.status == "interrupted"
    assert r.detail == "interrupted"
    assert interp.state == "ready"
    assert interp.execute("still").value == "'here'"


def test_a_cell_that_ignores_sigint_does_not_disarm_later_interrupts(interp):
    interp.execute("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nkept2 = 1")
    r = interp.execute("while True:\n    pass", timeout=0.5)
    assert (r.status, r.detail) == ("timeout", "interrupted after the 0.5 s timeout")
    assert interp.execute("kept2").value == "1"


def test_ctrl_c_in_the_blocked_sync_caller_interrupts_the_cell(interp):
    # What happens when a CLI user presses Ctrl-C while `torch-tutor check` waits on a cell.
    main = threading.get_ident()
    timer = threading.Timer(0.3, signal.pthread_kill, (main, signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        interp.execute("kept3 = 1\nwhile True:\n    pass")
    timer.join()
    assert interp.execute("kept3").value == "1"  # interrupted, not killed


def test_interrupt_when_nothing_runs_is_harmless(interp):
    interp.interrupt()
    assert interp.execute("3").value == "3"


def test_too_big_allocation_is_a_clean_error_and_the_worker_lives(interp):
    interp.execute("small = torch.ones(10)")
    generation = interp.generation
    r = interp.execute(
        "big = torch.ones(LIMIT * 1024 * 1024 // 4 * 2)".replace("LIMIT", str(LIMIT_MB))
    )
    assert r.status == "limit", r
    assert r.error_type == "RuntimeError"
    assert "allocate" in r.error_message
    r = interp.execute("blob = b'x' * (2 * LIMIT * 1024 * 1024)".replace("LIMIT", str(LIMIT_MB)))
    assert (r.status, r.error_type) == ("limit", "MemoryError")
    assert interp.generation == generation
    assert interp.execute("small.sum()").value == "tensor(10.)"


def test_rss_watchdog_kills_what_rlimit_data_cannot_see(interp):
    # Shared memory is not private data, so RLIMIT_DATA lets it through; the watchdog does not.
    code = (
        "import mmap, time\n"
        f"m = mmap.mmap(-1, {LIMIT_MB * 2} << 20)\n"
        "chunk = b'x' * (16 << 20)\n"
        f"for i in range({LIMIT_MB * 2 // 16}):\n"
        "    m[i << 24:(i + 1) << 24] = chunk\n"
        "time.sleep(30)\n"
    )
    r = interp.execute(code, timeout=60)
    assert r.status == "limit", r
    assert f"over the {LIMIT_MB} MiB limit" in r.detail
    assert "namespace was lost" in r.detail
    assert interp.execute("'alive'").value == "'alive'"


def test_output_is_capped_counted_and_never_deadlocks(interp):
    r = interp.execute("print('x' * 10_000_000)")
    assert r.status == "ok"
    assert r.truncated
    assert len(r.output) == 100_000
    assert r.dropped_bytes == 10_000_001 - 100_000


def test_printing_forever_ends_at_the_timeout_with_capped_output(interp):
    r = interp.execute("while True:\n    print('spam' * 100)", timeout=1)
    assert r.status == "timeout"
    assert r.truncated and r.dropped_bytes > 0
    assert len(r.output.encode()) <= 100_000
    assert interp.execute("'fine'").value == "'fine'"


def test_a_huge_value_repr_is_capped_too(interp):
    r = interp.execute("'y' * 300_000")
    assert r.truncated
    assert len(r.value) == 100_000
    assert r.dropped_bytes == 300_002 - 100_000


@pytest.mark.parametrize(
    ("code", "detail"),
    [
        ("import ctypes\nctypes.string_at(0)", "SIGSEGV (signal 11)"),
        ("import os\nos._exit(3)", "exit code 3"),
    ],
)
def test_crashes_are_reported_and_the_worker_restarts_by_itself(interp, code, detail):
    interp.execute("gone = True")
    generation = interp.generation
    r = interp.execute("print('before')\n" + code)
    assert r.status == "crashed"
    assert r.output == "before\n"  # output written before the crash is kept
    assert detail in r.detail
    assert "namespace was lost" in r.detail
    assert interp.execute("'again'").value == "'again'"
    assert interp.generation == generation + 1
    assert interp.execute("gone").error_type == "NameError"


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")  # a zombie has stopped; it only waits for its parent to reap it


def _wait_all_gone(pids: list[int], seconds: float = 10.0) -> list[int]:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        alive = [p for p in pids if not _gone(p)]
        if not alive:
            return []
        time.sleep(0.05)
    return alive


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to see processes")
def test_a_bounded_fork_bomb_dies_with_its_worker(interp):
    # Up to 50 sleeping children, the first in its own session (outside the process group),
    # with interrupts ignored: only kill + restart can end it, and it must end every child.
    code = (
        "import os, signal, time\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "for i in range(50):\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        if i == 0:\n"
        "            os.setsid()\n"
        "        time.sleep(120)\n"
        "        os._exit(0)\n"
        "    print(pid)\n"
        "while True:\n"
        "    time.sleep(0.05)\n"
    )
    in_cgroup = interp.worker_info.get("cgroup") is not None
    r = interp.execute(code, timeout=1)
    assert r.status == "timeout" and "killed" in r.detail
    kids = [int(p) for p in r.output.split()]
    assert len(kids) >= 5, r.output  # forking a process that holds torch takes ~30 ms here
    escaped = kids[:1]
    alive = _wait_all_gone(kids[1:])
    assert alive == [], f"children of the killed worker still run: {alive}"
    if in_cgroup:  # only the cgroup can find a child that left the process group
        assert _wait_all_gone(escaped) == []
    else:
        for pid in escaped:
            if not _gone(pid):
                os.kill(pid, 9)


def test_pids_cgroup_makes_fork_fail_instead_of_the_machine(interp):
    if interp.worker_info.get("cgroup") is None:
        pytest.skip("no writable pids cgroup here: only process-group kill contains forks")
    # posix_spawn, not fork: the same pids limit applies, and it is 30x cheaper than forking
    # a process that holds torch, so the test stays quick.
    code = (
        "import os, errno, shutil\n"
        "sleep = shutil.which('sleep')\n"
        "kids, err = [], None\n"
        "for i in range(2000):\n"  # bounded even if the cgroup were not there
        "    try:\n"
        "        kids.append(os.posix_spawn(sleep, ['sleep', '30'], os.environ))\n"
        "    except OSError as e:\n"
        "        err = e.errno\n"
        "        break\n"
        "for pid in kids:\n"
        "    os.kill(pid, 9)\n"
        "    os.waitpid(pid, 0)\n"
        "print(len(kids), err == errno.EAGAIN)\n"
    )
    r = interp.execute(code, timeout=120)
    assert r.status == "ok", r
    count, eagain = r.output.split()
    assert int(count) < 2000 and eagain == "True"
    assert interp.execute("'still fine'").value == "'still fine'"


@pytest.mark.parametrize(
    ("call", "message"), [("sys.exit(0)", "0"), ("sys.exit()", ""), ("sys.exit('bye')", "bye")]
)
def test_sys_exit_is_reported_as_such_and_keeps_the_namespace(interp, call, message):
    interp.execute("kept_exit = 7")
    generation = interp.generation
    r = interp.execute(f"import sys\nprint('before')\n{call}\nprint('after')")
    assert (r.status, r.error_type, r.error_message) == ("error", "SystemExit", message)
    assert r.output == "before\n"
    assert f"the cell called {call}; the namespace is kept" in r.detail
    assert interp.generation == generation
    assert interp.execute("kept_exit").value == "7"


def _cgroup_procs(interp) -> list[int]:
    return [int(p) for p in Path(interp.worker_info["cgroup"], "cgroup.procs").read_text().split()]


def test_a_forked_child_that_leaves_the_cell_never_returns_into_the_worker(interp):
    # The child raises (or ends the cell normally): it must exit there, not serve requests.
    r = interp.execute(
        "import os, time\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    raise ValueError('from the child')\n"
        "os.waitpid(pid, 0)[1] >> 8\n"
    )
    assert r.status == "ok", r
    assert r.value == "1"  # the child's exit status: it left by its exception
    assert re.fullmatch(r"forked process \d+: ValueError: from the child\n", r.output), r.output
    r = interp.execute("import os\npid = os.fork()\nos.waitpid(pid, 0)[1] if pid else 0")
    assert (r.status, r.value) == ("ok", "0")
    for _ in range(3):  # no stray child answers in its place or writes into later cells
        r = interp.execute("print('next')\nos.getpid()")
        assert (r.output, r.value) == ("next\n", str(interp.worker_info["pid"]))


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to see processes")
def test_processes_a_cell_leaves_running_are_stopped_after_it(interp):
    r = interp.execute(
        "import os, subprocess, time\n"
        "daemon = subprocess.Popen(['sleep', '300'], start_new_session=True)\n"
        "child = os.fork()\n"
        "if child == 0:\n"
        "    time.sleep(300)\n"
        "print(daemon.pid, child)\n"
    )
    assert r.status == "ok", r
    assert "2 processes the cell started were still running and were stopped" in r.detail
    kids = [int(p) for p in r.output.split()]
    assert _wait_all_gone(kids, 1.0) == []  # gone when the result came (zombies at most)
    r = interp.execute("daemon.poll() is not None")  # the namespace is kept; the daemon is gone
    assert (r.value, r.detail) == ("True", "")


def test_a_fork_bomb_ends_with_its_cell(interp):
    if interp.worker_info.get("cgroup") is None:
        pytest.skip("no pids cgroup here: a real fork bomb would not be bounded")
    interp.execute("kept_bomb = 1")
    generation = interp.generation
    r = interp.execute("import os\nwhile True:\n    os.fork()", timeout=120)
    assert (r.status, r.error_type) == ("error", "BlockingIOError"), r
    assert "processes the cell started were still running and were stopped" in r.detail
    assert _cgroup_procs(interp) == [interp.worker_info["pid"]]
    assert interp.generation == generation
    r = interp.execute("print('calm')\nkept_bomb")
    assert (r.output, r.value, r.detail) == ("calm\n", "1", "")
    # The pids limit is free again: a DataLoader with worker processes runs.
    r = interp.execute(
        "from torch.utils.data import DataLoader\n"
        "sum(int(b.sum()) for b in DataLoader(list(range(8)), batch_size=2, num_workers=2))"
    )
    assert (r.status, r.value) == ("ok", "28"), r


def test_a_memory_error_names_the_variables_that_hold_the_memory(interp):
    r = interp.execute("hog = []\nwhile True:\n    hog.append(bytearray(1 << 20))")
    assert (r.status, r.error_type) == ("limit", "MemoryError"), r
    assert re.search(r"the namespace holds hog \(list, \d+ MiB\)", r.detail), r.detail
    assert "del what you no longer need" in r.detail
    r = interp.execute("del hog\nlen(bytearray(100 << 20))")
    assert (r.status, r.value) == ("ok", str(100 << 20))


def test_memory_is_counted_over_every_process_the_cell_started(interp):
    # Each child stays under the budget (RLIMIT_DATA is per process); together they do not.
    share = LIMIT_MB * 3 // 4
    r = interp.execute(
        "import os, time\n"
        "kids = []\n"
        "for i in range(2):\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        f"        block = b'x' * ({share} << 20)\n"
        "        time.sleep(30)\n"
        "        os._exit(0)\n"
        "    kids.append(pid)\n"
        "for pid in kids:\n"
        "    os.waitpid(pid, 0)\n",
        timeout=60,
    )
    assert r.status == "limit", r
    assert f"over the {LIMIT_MB} MiB limit" in r.detail and "processes it started" in r.detail
    assert interp.execute("'alive'").value == "'alive'"


def test_files_a_cell_writes_are_limited_one_by_one_and_in_the_folder():
    with SyncInterpreter(spare=False, file_limit_mb=64, default_timeout=60) as it:
        assert it.worker_info["file_limit"] == 64 << 20
        r = it.execute("with open('big.bin', 'wb') as f:\n    f.write(b'x' * (65 << 20))")
        assert (r.status, r.error_type) == ("error", "OSError"), r
        assert "File too large" in r.error_message
        # Many files each under the limit: the folder quota stops the cell.
        r = it.execute(
            "import time\n"
            "chunk = b'y' * (8 << 20)\n"
            "for i in range(64):\n"
            "    with open(f'part{i}.bin', 'wb') as f:\n"
            "        f.write(chunk)\n"
            "        f.flush()\n"
            "    time.sleep(0.05)\n"
        )
        assert r.status == "limit", r
        assert "the session folder reached" in r.detail and "over the 64 MiB limit" in r.detail
        assert it.execute("chunk[:1]").value == "b'y'"  # interrupted, not killed: names kept
        used = sum(
            os.path.getsize(os.path.join(it.workdir, n))
            for n in os.listdir(it.workdir)
            if n.startswith("part")
        )
        assert used < (64 + 8 * 12) << 20  # stopped within about a second of writing


def test_dev_shm_is_the_workers_own_bounded_and_counted(interp):
    box = interp.worker_info["sandbox"]
    if box.get("shm") is False:  # the worker says why (no mount namespace for this user)
        pytest.skip(f"no private /dev/shm here: {box.get('shm_note')}")
    name = f"/dev/shm/tt-shm-{os.getpid()}"
    r = interp.execute(f"with open({name!r}, 'wb') as f:\n    f.write(b'z' * (8 << 20))")
    assert r.status == "ok", r
    try:
        assert not os.path.exists(name), "the cell wrote into the machine's /dev/shm"
    finally:
        if os.path.exists(name):
            os.remove(name)
    # Bounded: the watchdog counts it (or, if it is slower, the tmpfs is full at the budget)...
    r = interp.execute(
        "chunk = b'z' * (16 << 20)\n"
        "with open('/dev/shm/more', 'wb') as f:\n"
        f"    for i in range({(LIMIT_MB + 64) // 16}):\n"
        "        f.write(chunk)\n"
    )
    assert r.status == "limit" or "No space left on device" in (r.error_message or ""), r
    interp.restart()
    # ... and counted with the worker's memory: half in /dev/shm, half in a variable.
    half = LIMIT_MB * 2 // 3
    r = interp.execute(
        "import time\n"
        f"with open('/dev/shm/half', 'wb') as f:\n    f.write(b'z' * ({half} << 20))\n"
        f"held = b'x' * ({half} << 20)\n"
        "time.sleep(30)\n",
        timeout=60,
    )
    assert r.status == "limit" and f"over the {LIMIT_MB} MiB limit" in r.detail, r


def test_a_child_that_ended_by_itself_keeps_its_exit_status_for_the_learner(interp):
    r = interp.execute("import subprocess, time\np = subprocess.Popen(['false'])\ntime.sleep(0.3)")
    assert (r.status, r.detail) == ("ok", "")  # it had ended: nothing was left running
    assert interp.execute("p.wait()").value == "1"
