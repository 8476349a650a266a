"""Cells in a real worker: values, output capture, tracebacks, namespaces, seeding, pictures."""

from __future__ import annotations

import json

import pytest

from tutor.interpreter import SyncInterpreter


@pytest.fixture(scope="module")
def interp():
    # One worker for the whole module: starting torch costs about a second on this machine.
    with SyncInterpreter(spare=False, default_timeout=60) as it:
        yield it


def run(interp, code, ns="cells", **kw):
    return interp.execute(code, namespace=ns, **kw)


def test_ready_reports_device_and_a_fresh_namespace(interp):
    assert interp.state == "ready"
    assert interp.device.kind in ("cpu", "cuda", "mps")
    assert interp.device.torch_version[0].isdigit()
    r = run(
        interp,
        "print(type(torch).__name__, type(device).__name__, type(show).__name__)",
        ns="fresh",
    )
    assert r.status == "ok", r
    assert r.output == "module device Show\n"


def test_final_bare_expression_shows_its_repr(interp):
    r = run(interp, "torch.zeros(3, 4)")
    assert r.status == "ok"
    assert r.output == ""
    assert (
        r.value
        == "tensor([[0., 0., 0., 0.],\n        [0., 0., 0., 0.],\n        [0., 0., 0., 0.]])"
    )
    assert r.text() == r.value + "\n"


def test_output_then_value_and_the_ipython_rules(interp):
    r = run(interp, "print('a')\n1 + 1")
    assert (r.output, r.value, r.text()) == ("a\n", "2", "a\n2\n")
    assert run(interp, "None").value is None  # None is not displayed
    assert run(interp, "1 + 1;").value is None  # a trailing ';' hides the value
    assert run(interp, "1 + 1  # comment").value == "2"
    assert run(interp, "y = 5").value is None  # an assignment is not an expression
    assert run(interp, "").status == "ok"


def test_observed_feeds_the_comparison_engine(interp):
    from tutor.compare import Observed

    r = run(interp, "print('hi')\n'x'")
    assert r.observed() == Observed(output="hi\n'x'\n", status="ok")


def test_namespace_persists_per_lesson_and_is_isolated(interp):
    assert run(interp, "a = torch.arange(3)", ns="one").status == "ok"
    assert run(interp, "a * 2", ns="one").value == "tensor([0, 2, 4])"
    other = run(interp, "a", ns="two")
    assert (other.status, other.error_type) == ("error", "NameError")
    interp.reset_namespace("one")
    assert run(interp, "a", ns="one").error_type == "NameError"
    assert run(interp, "device", ns="one").status == "ok"  # a reset namespace starts fresh


def test_stdout_stderr_and_c_level_output_in_program_order(interp):
    code = (
        "import os, sys\n"
        "print('one')\n"
        "print('two', file=sys.stderr)\n"
        "os.system('echo three')\n"
        "os.write(2, b'four\\n')\n"
        "print('five', end='')\n"
    )
    r = run(interp, code)
    assert r.status == "ok", r
    assert r.output == "one\ntwo\nthree\nfour\nfive"


def test_output_streams_to_the_callback_while_running(interp):
    chunks: list[str] = []
    r = run(interp, "for i in range(3):\n    print(i)", on_output=chunks.append)
    assert "".join(chunks) == r.output == "0\n1\n2\n"


def test_unicode_output(interp):
    r = run(interp, "print('张量 ✓ é')")
    assert r.output == "张量 ✓ é\n"


def test_exception_traceback_is_trimmed_to_learner_code(interp):
    r = run(interp, "x = torch.ones(3)\ny = x.item()")
    assert r.status == "error"
    assert r.error_type == "RuntimeError"
    assert "a Tensor with 3 elements cannot be converted to Scalar" in r.error_message
    assert r.traceback.startswith("Traceback (most recent call last):\n")
    assert '  File "<cell>", line 2, in <module>\n    y = x.item()\n' in r.traceback
    assert "worker.py" not in r.traceback and "cells.py" not in r.traceback
    assert "torch/" not in r.traceback  # library frames are not the learner's business
    assert r.traceback.rstrip().endswith(r.error_message)


def test_traceback_through_a_function_from_an_earlier_cell_quotes_its_line(interp):
    run(interp, "def half(v):\n    return v / 0\n", ns="tb")
    r = run(interp, "print('before')\nhalf(1)", ns="tb")
    assert r.error_type == "ZeroDivisionError"
    assert r.output == "before\n"
    assert '  File "<cell>", line 2, in half\n    return v / 0\n' in r.traceback
    assert '  File "<cell>", line 2, in <module>\n    half(1)\n' in r.traceback


def test_syntax_error_points_at_the_cell(interp):
    r = run(interp, "x = (1,\nprint(x)")
    assert r.status == "error"
    assert r.error_type == "SyntaxError"
    assert 'File "<cell>"' in r.traceback
    assert "Traceback" not in r.traceback  # nothing ran: no frames


def test_input_raises_at_once_with_a_clear_message(interp):
    r = run(interp, "name = input('your name? ')")
    assert r.status == "error"
    assert r.error_type == "RuntimeError"
    assert "input() is not available" in r.error_message
    r = run(interp, "import sys\nsys.stdin.read()")  # stdin is empty, never the protocol
    assert (r.status, r.value) == ("ok", "''")


def test_every_cell_is_seeded_the_same_way(interp):
    code = "import random, numpy\n(torch.rand(2).tolist(), random.random(), numpy.random.rand())"
    first = run(interp, code, ns="seed-a")
    again = run(interp, code, ns="seed-b")
    assert first.status == "ok"
    assert first.value == again.value
    # The documented rule: the same as seeding by hand with 0 before the cell.
    by_hand = run(
        interp,
        "torch.manual_seed(123); random.seed(123); numpy.random.seed(123)\n"
        "torch.manual_seed(0); random.seed(0); numpy.random.seed(0)\n" + code.splitlines()[1],
        ns="seed-a",
    )
    assert by_hand.value == first.value


def test_torchvision_is_not_imported_until_a_cell_needs_it(interp):
    r = run(interp, "import sys\n'torchvision' in sys.modules", ns="tv")
    assert r.value == "False"


def test_show_sends_plain_lists_through_the_protocol(interp):
    # The picture format belongs to tutor.pictures; here: the path through the protocol.
    seen: list[dict] = []
    r = run(
        interp,
        "show.image(torch.eye(2), title='eye')\nshow.plot([1, 4, 9])\nprint('drawn')",
        on_display=seen.append,
    )
    assert r.status == "ok", r
    assert r.output == "drawn\n"
    assert r.displays == seen
    assert [d["kind"] for d in r.displays] == ["image", "plot"]
    assert r.displays[0]["title"] == "eye"
    assert json.loads(json.dumps(r.displays)) == r.displays  # plain JSON: lists and numbers
    assert "[1.0, 0.0], [0.0, 1.0]" in json.dumps(r.displays[0])
    bad = run(interp, "show.image(object())")
    assert bad.error_type == "TypeError" and bad.displays == []


def test_output_of_a_finished_cell_is_not_blamed_on_the_next(interp):
    run(interp, "import threading, time\nthreading.Timer(0.2, lambda: print('late')).start()")
    r = run(interp, "import time\ntime.sleep(0.5)\nprint('mine')")
    # 'late' was printed while this cell ran, so it belongs here; nothing else leaks in.
    assert r.output in ("late\nmine\n", "mine\n")
    after = run(interp, "print('next')")
    assert after.output == "next\n"


def test_dataloader_with_two_workers_runs(interp):
    code = (
        "from torch.utils.data import DataLoader, TensorDataset\n"
        "ds = TensorDataset(torch.arange(10.).unsqueeze(1))\n"
        "dl = DataLoader(ds, batch_size=5, num_workers=2)\n"
        "print(sum(b[0].sum().item() for b in dl))\n"
    )
    r = run(interp, code, ns="dl")
    assert r.status == "ok", r
    assert r.output == "45.0\n"
    assert run(interp, "1", ns="dl").value == "1"  # the protocol is intact afterwards


def test_forked_children_never_write_to_the_protocol(interp):
    code = (
        "import os\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    show.plot([1, 2])\n"  # would be a protocol message if the child could send
        "    print('child')\n"
        "    os._exit(0)\n"
        "os.waitpid(pid, 0)\n"
        "print('parent')\n"
    )
    r = run(interp, code)
    assert r.status == "ok", r
    assert r.displays == []
    assert sorted(r.output.split()) == ["child", "parent"]  # the child's output is captured
