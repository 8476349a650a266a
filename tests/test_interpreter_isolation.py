"""Cells and lessons cannot disturb each other: background output, process-wide state."""

from __future__ import annotations

import os
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


# Each: what lesson A does to the process, and what lesson B must see (the worker's defaults).
DISTURBANCES = {
    "cwd": ("import os\nos.chdir('/')", "import os\nos.getcwd() == os.environ['HOME']", "True"),
    "save after chdir": (
        "import os\nos.chdir('/')",
        "torch.save(torch.ones(1), 'w.pt')\ntorch.load('w.pt')",
        "tensor([1.])",
    ),
    "print options": (
        "torch.set_printoptions(precision=1)",
        "torch.tensor([1.23456])",
        "tensor([1.2346])",
    ),
    "patched builtin": (
        "import builtins\nbuiltins.print = lambda *a, **k: None",
        "print('hi')",
        None,
    ),
    "Tensor.__repr__": (
        "torch.Tensor.__repr__ = lambda self: 'patched'",
        "torch.zeros(1)",
        "tensor([0.])",
    ),
    "recursion limit": (
        "import sys\nsys.setrecursionlimit(80)",
        "import sys\nsys.getrecursionlimit() >= 1000",
        "True",
    ),
    "torch function": (
        "torch.add = lambda *a, **k: 'patched'",
        "torch.add(torch.ones(1), 1)",
        "tensor([2.])",
    ),
    "default dtype": (
        "torch.set_default_dtype(torch.float64)",
        "torch.ones(1).dtype",
        "torch.float32",
    ),
    "warnings filter": (
        "import warnings\nwarnings.simplefilter('ignore')",
        "import warnings\nwarnings.warn('seen')",
        None,
    ),
}


@pytest.mark.parametrize("item", list(DISTURBANCES))
def test_what_one_lesson_does_to_the_process_does_not_reach_another(interp, item):
    disturb, probe, expected = DISTURBANCES[item]
    r = interp.execute(disturb, namespace=f"disturber-{item}")
    assert r.status == "ok", r
    after = interp.execute(probe, namespace=f"clean-{item}")
    assert after.status == "ok", after
    if expected is not None:
        assert after.value == expected
    elif item == "patched builtin":
        assert after.output == "hi\n"
    else:
        assert "UserWarning: seen" in after.output


def test_a_lesson_keeps_what_its_own_earlier_cells_set_even_after_another_ran(interp):
    setup = "import os\nos.makedirs('sub', exist_ok=True)\nos.chdir('sub')\n"
    interp.execute(setup + "torch.set_printoptions(precision=2)", namespace="precise")
    probe = "import os\n(os.path.basename(os.getcwd()), repr(torch.tensor([1.23456])))"
    assert interp.execute(probe, namespace="precise").value == "('sub', 'tensor([1.23])')"
    other = interp.execute(probe, namespace="other").value
    assert other == f"({os.path.basename(interp.workdir)!r}, 'tensor([1.2346])')"
    assert interp.execute(probe, namespace="precise").value == "('sub', 'tensor([1.23])')"
    interp.reset_namespace("precise")  # starting the lesson over starts from the baseline
    assert interp.execute(probe, namespace="precise").value == other


def test_a_builtin_deleted_in_a_cell_does_not_break_the_worker(interp):
    r = interp.execute("import builtins\ndel builtins.len\nkept_len = 1", namespace="deleter")
    assert r.status == "ok", r
    r = interp.execute("len('ab'), kept_len", namespace="deleter")
    assert r.value == "(2, 1)"
