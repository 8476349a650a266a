"""Cells and lessons cannot disturb each other: background output, process-wide state."""

from __future__ import annotations

import re

import pytest

from tutor.interpreter import SyncInterpreter


@pytest.fixture(scope="module")
def interp():
    with SyncInterpreter(spare=False, default_timeout=60) as it:
        yield it


def test_a_thread_from_an_earlier_cell_never_prints_into_a_later_cell(interp):
    r = interp.execute(
        "import threading, time\n"
        "stop = threading.Event()\n"
        "def chatter():\n"
        "    while not stop.is_set():\n"
        "        print('bg')\n"
        "        time.sleep(0.02)\n"
        "threading.Thread(target=chatter, daemon=True).start()\n"
        "time.sleep(0.1)\n"
    )
    assert r.status == "ok" and "bg\n" in r.output  # while its own cell runs, it is that cell's
    r = interp.execute("time.sleep(0.3)\nprint('fg')")
    assert r.output == "fg\n"
    assert r.text() == "fg\n" and r.observed().output == "fg\n"  # what the checker compares
    assert r.background.startswith("bg\n") and r.background.count("bg\n") >= 5
    assert "shown apart as background output" in r.detail
    interp.execute("stop.set()\ntime.sleep(0.1)")
    r = interp.execute("print('quiet')")
    assert (r.output, r.background, r.detail) == ("quiet\n", "", "")


def test_a_thread_started_and_joined_in_a_cell_prints_into_that_cell(interp):
    r = interp.execute(
        "import threading\n"
        "t = threading.Thread(target=lambda: print('inside'))\n"
        "t.start()\n"
        "t.join()\n"
        "print('after')\n"
    )
    assert (r.output, r.background) == ("inside\nafter\n", "")


def test_a_setsid_process_never_prints_into_a_later_cell_or_lesson(interp):
    r = interp.execute(
        "import subprocess\n"
        "subprocess.Popen(['sh', '-c', 'while true; do echo daemon; sleep 0.02; done'],\n"
        "                 start_new_session=True)\n"
        "import time\ntime.sleep(0.2)\n",
        namespace="lesson-a",
    )
    assert r.status == "ok" and "daemon" in r.output
    # sh, and its sleep if one runs at that moment
    assert re.search(r"^[12] process(es)? the cell started (was|were) still running", r.detail)
    for ns in ("lesson-a", "lesson-b"):
        r = interp.execute("import time\ntime.sleep(0.2)\nprint('mine')", namespace=ns)
        assert (r.output, r.background) == ("mine\n", "")
