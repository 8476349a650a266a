"""The worker's private network (tutor.interpreter.netns), against a real worker: loopback only.

A cell may run a gloo process group on 127.0.0.1, and must still reach no address outside the
machine (nor the machine's own services), over TCP, UDP or DNS.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import struct
import subprocess
import sys

import pytest
from cli_support import tutor

from tutor.interpreter import SyncInterpreter
from tutor.interpreter.netns import ENV
from tutor.interpreter.sandbox import abi_version
from tutor.lessons.loader import load_file
from tutor.paths import builtin_lessons_dir


def machine_allows_netns() -> dict:
    """What isolate() gives a throwaway process: does this machine allow a private network?"""
    code = "import json; from tutor.interpreter.netns import isolate; print(json.dumps(isolate()))"
    env = {k: v for k, v in os.environ.items() if k != ENV}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def interp():
    possible = machine_allows_netns()
    if not possible["loopback"]:
        pytest.skip(f"no private network on this machine: {possible['note']}")
    with SyncInterpreter(spare=False, default_timeout=60) as it:
        box = it.worker_info["sandbox"]
        assert box["loopback"], (
            f"the machine allows a private network, but the worker has none: {box}"
        )
        yield it


def host_addresses() -> list[str]:
    """This machine's IPv4 addresses outside loopback, as the test process sees them."""
    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _, name in socket.if_nameindex():
            try:
                raw = fcntl.ioctl(
                    sock, 0x8915, struct.pack("256s", name.encode()[:15])
                )  # SIOCGIFADDR
            except OSError:
                continue
            address = socket.inet_ntoa(raw[20:24])
            if not address.startswith("127."):
                found.append(address)
    return found


def test_the_report_says_the_network_is_confined_with_loopback(interp):
    box = interp.worker_info["sandbox"]
    assert (box["network"], box["loopback"], box["loopback_note"]) == (True, True, "")
    r = interp.execute("import socket\n[name for _, name in socket.if_nameindex()]")
    assert r.value == "['lo']"


def test_a_cell_has_its_own_loopback(interp):
    r = interp.execute(
        "import socket\n"
        "server = socket.socket()\n"
        "server.bind(('127.0.0.1', 0))\n"
        "server.listen(1)\n"
        "client = socket.create_connection(server.getsockname(), timeout=5)\n"
        "peer, _ = server.accept()\n"
        "client.sendall(b'ping')\n"
        "peer.recv(4)"
    )
    assert (r.status, r.value) == ("ok", "b'ping'"), r


def test_a_cell_reaches_nothing_outside_the_machine(interp):
    for target in (
        "('8.8.8.8', 53)",
        "('1.1.1.1', 443)",
        "('10.0.0.1', 80)",
        "('192.168.1.1', 80)",
    ):
        r = interp.execute(f"import socket\nsocket.create_connection({target}, timeout=5)")
        assert (r.status, r.error_type) == ("error", "OSError"), (target, r)
        assert "unreachable" in (r.error_message or ""), (target, r.error_message)
    # UDP, which Landlock does not cover: no route either.
    r = interp.execute(
        "import socket\nu = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "u.sendto(b'x', ('8.8.8.8', 53))"
    )
    assert (r.status, r.error_type) == ("error", "OSError") and "unreachable" in r.error_message, r
    r = interp.execute("import socket\nsocket.getaddrinfo('example.com', 443)")
    assert (r.status, r.error_type) == ("error", "gaierror"), r


def test_a_cell_cannot_reach_the_machines_own_services(interp):
    addresses = host_addresses()
    with socket.socket() as server:
        server.bind(("0.0.0.0", 0))
        server.listen(4)
        server.setblocking(False)
        port = server.getsockname()[1]
        for address in ["127.0.0.1", *addresses]:
            r = interp.execute(
                f"import socket\nsocket.create_connection(({address!r}, {port}), timeout=5)"
            )
            assert r.status == "error" and r.error_type in ("ConnectionRefusedError", "OSError"), (
                address,
                r,
            )
        with pytest.raises(BlockingIOError):
            server.accept()  # nothing ever reached the listener


def test_a_gloo_group_of_two_runs_in_a_cell(interp):
    r = interp.execute(
        "import socket, torch.distributed as dist, torch.multiprocessing as mp\n"
        "def rank_main(rank, port, q):\n"
        "    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',\n"
        "                            rank=rank, world_size=2)\n"
        "    t = torch.tensor([rank + 1.0])\n"
        "    dist.all_reduce(t)\n"
        "    q.put(t.item())\n"
        "    dist.destroy_process_group()\n"
        "with socket.socket() as s:\n"
        "    s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]\n"
        "ctx = mp.get_context('fork')\n"
        "q = ctx.Queue()\n"
        "ps = [ctx.Process(target=rank_main, args=(r, port, q)) for r in range(2)]\n"
        "for p in ps: p.start()\n"
        "got = sorted(q.get(timeout=60) for _ in ps)\n"
        "for p in ps: p.join()\n"
        "print(got, [p.exitcode for p in ps])",
        timeout=120,
    )
    assert (r.status, r.output) == ("ok", "[3.0, 3.0] [0, 0]\n"), r


def test_without_the_private_network_tcp_is_refused_and_loopback_steps_are_skipped(
    tmp_path, monkeypatch
):
    monkeypatch.setenv(ENV, "0")
    with SyncInterpreter(spare=False, default_timeout=60) as it:
        box = it.worker_info["sandbox"]
        r = it.execute("import socket\ns = socket.socket()\ns.bind(('127.0.0.1', 0))")
    assert (box["loopback"], box["loopback_note"]) == (
        False,
        f"the private network was turned off ({ENV}=0)",
    )
    if abi_version() >= 4:
        assert (r.status, r.error_type) == ("error", "PermissionError")
    done = tutor(tmp_path, "check", str(builtin_lessons_dir() / "19-ddp.toml"), timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    skipped = {
        int(line.split()[2])
        for line in done.stdout.splitlines()
        if line.startswith("  - step") and "talk over TCP on 127.0.0.1" in line
    }
    steps = load_file(builtin_lessons_dir() / "19-ddp.toml").lesson.steps
    loopback = [(i + 1, step) for i, step in enumerate(steps) if step.needs_loopback]
    assert skipped == {
        n for n, _ in loopback
    }  # the needs_loopback steps; the others ran and passed
    # a demo is one record; an exercise's starter, solution and each known wrong answer are one each
    records = sum(2 + len(step.wrong) if step.is_exercise else 1 for _, step in loopback)
    assert f" passed, 0 failed, {records} skipped" in done.stdout
