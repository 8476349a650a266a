"""The client: asyncio from any loop, callbacks, interrupts, restarts, state, import hygiene."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time

import pytest

from tutor.interpreter import Interpreter, SyncInterpreter, WorkerStartError
from tutor.interpreter.outputs import CellOutput, OutputSplitter
from tutor.interpreter.protocol import ProtocolError, decode, encode


@pytest.fixture(scope="module")
def interp():
    # Started on a throw-away loop; every test below then uses it from its own new loop.
    it = Interpreter(spare=True, default_timeout=60)
    asyncio.run(it.start())
    yield it
    asyncio.run(it.shutdown())


def test_the_client_imports_neither_torch_nor_textual():
    code = (
        "import sys\n"
        "import tutor.interpreter.client\n"
        "from tutor.interpreter import Interpreter, SyncInterpreter, ExecResult, DeviceInfo\n"
        "print([m for m in ('torch', 'textual', 'numpy') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_protocol_lines_are_json_objects_without_raw_newlines():
    line = encode({"op": "exec", "id": 1, "code": "print('a\\nb')\n", "ns": "张"})
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert decode(line) == {"op": "exec", "id": 1, "code": "print('a\\nb')\n", "ns": "张"}
    for garbage in (b"not json\n", b"[1, 2]\n", b'{"no": "type"}\n', b"\xff\xfe\n"):
        with pytest.raises(ProtocolError):
            decode(garbage)


def _split(token: str, chunks: list[bytes]) -> list[tuple[str, object]]:
    events: list[tuple[str, object]] = []
    splitter = OutputSplitter(
        token, lambda b: events.append(("bytes", b)), lambda k, c: events.append((k, c))
    )
    for chunk in chunks:
        splitter.feed(chunk)
    splitter.flush()
    merged: list[tuple[str, object]] = []
    for kind, value in events:  # adjacent byte runs merge: chunking must not matter
        if kind == "bytes" and merged and merged[-1][0] == "bytes":
            merged[-1] = ("bytes", merged[-1][1] + value)
        else:
            merged.append((kind, value))
    return merged


def test_output_splitter_finds_markers_however_the_pipe_chunks_them():
    stream = b"boot\x00tt:abc:S:7\nhello \x00 world\n\x00tt:xyz:E:7\n\x00tt:abc:E:7\nafter\x00t"
    expected = [
        ("bytes", b"boot"),
        ("S", 7),
        ("bytes", b"hello \x00 world\n\x00tt:xyz:E:7\n"),  # a NUL and another token are output
        ("E", 7),
        ("bytes", b"after\x00t"),  # a trailing partial marker is output at the end
    ]
    assert _split("abc", [stream]) == expected
    assert _split("abc", [stream[i : i + 1] for i in range(len(stream))]) == expected
    assert _split("abc", [stream[:13], stream[13:40], stream[40:]]) == expected


def test_cell_output_keeps_the_cap_and_counts_the_rest():
    out = CellOutput(limit=6)
    assert out.add("héllo".encode()) == "héllo"  # 6 bytes: é is two
    assert out.add(b"more") == ""
    assert (out.kept, out.dropped) == (6, 4)
    cut = CellOutput(limit=2)
    assert cut.add("aé".encode()) == "a"  # the cap falls inside é
    assert cut.close() == "\ufffd"  # the half character is marked, not silently lost
    assert (cut.text, cut.kept, cut.dropped) == ("a\ufffd", 2, 1)


async def test_async_api_works_from_a_fresh_loop_each_test(interp):
    r = await interp.execute("x = torch.ones(3, 4); print(x)", namespace="async")
    assert r.status == "ok"
    assert r.output.startswith("tensor([[1., 1., 1., 1.],")


async def test_callbacks_run_on_the_callers_loop_in_order(interp):
    me = threading.get_ident()
    seen: list[tuple[str, object, int]] = []
    r = await interp.execute(
        "print('a')\nshow.plot([1, 2])\nprint('b')",
        on_output=lambda t: seen.append(("out", t, threading.get_ident())),
        on_display=lambda d: seen.append(("pic", d["kind"], threading.get_ident())),
    )
    assert r.status == "ok"
    assert all(thread == me for _, _, thread in seen)
    assert "".join(t for kind, t, _ in seen if kind == "out") == "a\nb\n"
    assert [k for kind, k, _ in seen if kind == "pic"] == ["plot"]
    assert interp.state == "ready"


async def test_output_streams_while_the_cell_still_runs(interp):
    line = asyncio.Event()
    text: list[str] = []

    def on_output(chunk: str) -> None:
        text.append(chunk)
        if "".join(text) == "started\n":  # print() writes the text and the newline apart
            line.set()

    task = asyncio.create_task(
        interp.execute("print('started')\nwhile True:\n    pass", on_output=on_output)
    )
    await asyncio.wait_for(line.wait(), 60)
    assert interp.state == "busy"  # the output came while the loop still ran
    await interp.interrupt()
    r = await task
    assert (r.status, r.output) == ("interrupted", "started\n")


async def test_interrupt_from_another_task(interp):
    await interp.execute("n = 7", namespace="int")
    task = asyncio.create_task(interp.execute("while True:\n    pass", namespace="int"))
    await asyncio.sleep(0.3)
    await interp.interrupt()
    r = await task
    assert (r.status, r.detail) == ("interrupted", "interrupted")
    assert (await interp.execute("n", namespace="int")).value == "7"


async def test_cancelling_execute_still_ends_the_cell(interp):
    await interp.execute("m = 3", namespace="cancel")
    task = asyncio.create_task(interp.execute("while True:\n    pass", namespace="cancel"))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    r = await interp.execute("m", namespace="cancel")
    assert r.value == "3"  # interrupted, not killed: the namespace survived


async def test_restart_uses_the_spare_and_loses_namespaces(interp):
    await interp.execute("lost = 1", namespace="restart")
    for _ in range(600):  # the spare boots in the background (about a second)
        if interp.has_spare:
            break
        await asyncio.sleep(0.05)
    assert interp.has_spare
    spare_pid = interp._core.engine.spare.pid
    generation = interp.generation
    device = await interp.restart()
    assert device == interp.device
    assert interp.generation == generation + 1
    assert interp.worker_info["pid"] == spare_pid
    assert (await interp.execute("lost", namespace="restart")).error_type == "NameError"


async def test_a_worker_dying_between_cells_is_replaced_and_said_so(interp):
    r = await interp.execute("import os, threading\nthreading.Timer(0.2, os._exit, (5,)).start()")
    assert r.status == "ok"
    generation = interp.generation
    for _ in range(200):
        if interp.generation != generation:
            break
        await asyncio.sleep(0.05)
    r = await interp.execute("1 + 1")
    assert r.value == "2"
    assert "the worker stopped between cells (exit code 5)" in r.detail


def test_sync_interpreter_lifecycle_and_cleanup():
    it = SyncInterpreter(spare=False)
    assert it.state == "stopped" and it.device is None
    r = it.execute("print('autostart')")  # execute starts the worker when needed
    assert r.output == "autostart\n"
    assert it.state == "ready"
    workdir, group = it.workdir, it.worker_info.get("cgroup")
    assert os.path.isdir(workdir)
    pid = it.worker_info["pid"]
    it.shutdown()
    assert it.state == "stopped"
    assert not os.path.exists(workdir)
    if group:
        assert not os.path.exists(group)
    for _ in range(100):
        if not os.path.exists(f"/proc/{pid}"):
            break
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{pid}")
    # It can start again, with a fresh session folder.
    with it:
        assert it.execute("'again'").value == "'again'"
        assert it.workdir and it.workdir != workdir


def test_a_worker_that_cannot_start_gives_a_clear_error(tmp_path):
    missing = tmp_path / "no-such-folder"
    it = SyncInterpreter(spare=False, workdir=str(missing))
    with pytest.raises(WorkerStartError, match="cannot start the torch worker"):
        it.start()
    assert it.state == "stopped"
    it.shutdown()


def test_ready_message_is_plain_json(interp):
    info = interp.worker_info
    json.dumps(info)  # nothing but plain data crossed the process boundary
    assert info["memory"]["rss"] > 0
    assert info["timings"]["boot"] > 0


def test_stale_session_folders_of_dead_processes_are_removed(tmp_path):
    from tutor.interpreter.workdir import PREFIX, STALE_AFTER, remove_stale

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # its pid now belongs to nobody
    old = time.time() - STALE_AFTER - 60
    stale = tmp_path / f"{PREFIX}{gone.pid}-abc"
    recent = tmp_path / f"{PREFIX}{gone.pid}-def"
    mine = tmp_path / f"{PREFIX}{os.getpid()}-ghi"
    for folder in (stale, recent, mine):
        folder.mkdir()
        (folder / "model.pt").write_bytes(b"x")
    for folder in (stale, mine):
        os.utime(folder, (old, old))
    assert remove_stale(str(tmp_path)) == [str(stale)]
    assert not stale.exists() and recent.exists() and mine.exists()
