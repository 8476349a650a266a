"""The Landlock sandbox against a real worker: files, network, signals to the UI process."""

from __future__ import annotations

import ast
import os
import signal
import socket
import tempfile

import pytest

from tutor.interpreter import SyncInterpreter
from tutor.interpreter.sandbox import abi_version

ABI = abi_version()
needs_landlock = pytest.mark.skipif(
    ABI < 1, reason="this kernel has no Landlock: writes are not confined"
)


@pytest.fixture(scope="module")
def interp():
    with SyncInterpreter(spare=False, default_timeout=60) as it:
        yield it


@pytest.fixture
def outside():
    # A folder this test process may write to, outside the session folder.
    with tempfile.TemporaryDirectory(prefix="tutor-outside-", dir=os.path.expanduser("~")) as d:
        yield d


def test_the_report_matches_the_kernel(interp):
    box = interp.worker_info["sandbox"]
    assert box["landlock_abi"] == ABI
    assert box["files"] == (ABI >= 1)
    # A private loopback-only network (tutor.interpreter.netns) confines it where Landlock cannot.
    assert box["network"] == (ABI >= 4 or box["loopback"])
    assert box["signals"] == (ABI >= 6)


def test_cells_write_freely_in_the_session_folder(interp):
    r = interp.execute(
        "import os, tempfile\n"
        "with open('notes.txt', 'w') as f:\n"
        "    f.write('hello')\n"
        "torch.save(torch.arange(3), 'x.pt')\n"
        "with tempfile.NamedTemporaryFile() as t:\n"
        "    t.write(b'scratch')\n"
        "os.makedirs('runs/a', exist_ok=True)\n"
        "os.rename('notes.txt', 'runs/a/notes.txt')\n"
        "(os.getcwd(), tempfile.gettempdir(), torch.load('x.pt').tolist())"
    )
    assert r.status == "ok", r
    assert r.value == repr((interp.workdir, interp.workdir, [0, 1, 2]))
    with open(os.path.join(interp.workdir, "runs", "a", "notes.txt")) as f:
        assert f.read() == "hello"


@needs_landlock
def test_writes_outside_the_session_folder_are_refused(interp, outside):
    victim = os.path.join(outside, "keep.txt")
    with open(victim, "w") as f:
        f.write("precious")
    for code in (
        f"open({os.path.join(outside, 'new.txt')!r}, 'w')",
        f"open({victim!r}, 'a').write('x')",
        f"os.remove({victim!r})",
        f"os.mkdir({os.path.join(outside, 'dir')!r})",
        f"os.rename({victim!r}, 'stolen.txt')",
    ):
        r = interp.execute("import os\n" + code)
        assert (r.status, r.error_type) == ("error", "PermissionError"), code
    assert sorted(os.listdir(outside)) == ["keep.txt"]
    with open(victim) as f:
        assert f.read() == "precious"


def test_sandbox_off_confines_nothing_and_says_so(outside):
    with SyncInterpreter(spare=False, sandbox=False, default_timeout=60) as it:
        box = it.worker_info["sandbox"]
        r = it.execute(f"open({os.path.join(outside, 'new.txt')!r}, 'w').write('x')")
    assert (box["files"], box["network"], box["signals"]) == (False, False, False)
    assert (
        box["landlock_abi"] == ABI and box["note"] == "the sandbox was turned off for this session"
    )
    assert r.status == "ok", r
    assert os.listdir(outside) == ["new.txt"]


@needs_landlock
def test_reading_outside_stays_allowed(interp, outside):
    path = os.path.join(outside, "data.txt")
    with open(path, "w") as f:
        f.write("readable")
    r = interp.execute(f"open({path!r}).read()")
    assert r.value == "'readable'"


@pytest.mark.skipif(ABI < 4, reason="Landlock below ABI 4 does not confine TCP")
def test_tcp_connections_are_refused(interp):
    # In a private network the machine's 127.0.0.1 is not the cell's: nobody listens there.
    private = interp.worker_info["sandbox"]["loopback"]
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.setblocking(False)
        port = server.getsockname()[1]
        r = interp.execute(
            f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=5)"
        )
        refused = "ConnectionRefusedError" if private else "PermissionError"
        assert (r.status, r.error_type) == ("error", refused)
        with pytest.raises(BlockingIOError):
            server.accept()  # nothing ever reached the listener
    if not private:  # binding its own loopback is what the private network is for
        r = interp.execute("import socket\ns = socket.socket()\ns.bind(('127.0.0.1', 0))")
        assert r.error_type == "PermissionError"


@pytest.mark.skipif(ABI < 6, reason="Landlock below ABI 6 cannot stop signals to the UI process")
def test_the_learner_cannot_signal_the_ui_process(interp):
    received: list[int] = []
    previous = signal.signal(signal.SIGUSR1, lambda signum, frame: received.append(signum))
    try:
        r = interp.execute("import os\nos.getppid()")
        assert r.value == str(os.getpid())  # the worker's parent is this very process
        r = interp.execute("import os, signal\nos.kill(os.getppid(), signal.SIGUSR1)")
        assert (r.status, r.error_type) == ("error", "PermissionError")
        r = interp.execute("import os\nos.kill(os.getppid(), 9)")
        assert (r.status, r.error_type) == ("error", "PermissionError")
        r = interp.execute("import os\nos.killpg(os.getpgid(os.getppid()), 9)")
        assert r.status == "error"
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert received == []
    # Signals inside the sandbox still work: a cell may signal itself and its own children.
    r = interp.execute(
        "import os, signal\n"
        "got = []\n"
        "signal.signal(signal.SIGUSR1, lambda *a: got.append(1))\n"
        "os.kill(os.getpid(), signal.SIGUSR1)\n"
        "got"
    )
    assert r.value == "[1]"


def test_torch_works_under_the_sandbox(interp):
    r = interp.execute(
        "import torch.nn as nn\n"
        "m = nn.Linear(3, 1)\n"
        "loss = m(torch.ones(2, 3)).sum()\n"
        "loss.backward()\n"
        "m.weight.grad.shape"
    )
    assert r.value == "torch.Size([1, 3])"


def test_the_worker_gets_a_minimal_environment_and_no_token_in_argv_or_env(monkeypatch):
    monkeypatch.setenv("MY_API_SECRET", "hunter2")
    monkeypatch.setenv("TORCH_TUTOR_HOME", "/somewhere/private")
    with SyncInterpreter(spare=False, default_timeout=60) as it:
        token = it._core.engine.active.token
        pid = it.worker_info["pid"]
        # What any process of this user (and every child a cell starts) could read:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read()
        with open(f"/proc/{pid}/environ", "rb") as f:
            environ = f.read()
        r = it.execute("import os\nsorted(os.environ), os.environ['HOME'], os.environ['TMPDIR']")
        workdir = it.workdir
    assert token.encode() not in cmdline and token.encode() not in environ
    assert b"hunter2" not in environ and b"/somewhere/private" not in environ
    names, home, tmp = ast.literal_eval(r.value)
    assert "MY_API_SECRET" not in names and "TORCH_TUTOR_HOME" not in names
    assert {"PATH", "HOME", "LANG", "TMPDIR"} <= set(names)
    assert home == tmp == workdir
