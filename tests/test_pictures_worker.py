"""Pictures through a real worker: the protocol path, names from the cell, regex expectations, `check`."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import tutor

from tutor.interpreter import Interpreter, SyncInterpreter
from tutor.judge import judge_step
from tutor.lessons.model import RegexExpect, Step
from tutor.pictures import Graph, Image, Plot, decode, describe

LESSONS = Path(__file__).parent / "picture_lessons"


@pytest.fixture(scope="module")
def interp():
    with SyncInterpreter(spare=False, default_timeout=60) as it:
        yield it


def test_show_calls_in_a_cell_arrive_as_pictures_in_order(interp):
    seen: list[dict] = []
    r = interp.execute(
        "print('before')\n"
        "x = torch.arange(3, requires_grad=True, dtype=float)\n"
        "y = torch.dot(x, x)\n"
        "z = y**2\n"
        "show.plot([1, 4, 9], title='sq')\n"
        "show.image(torch.zeros(20, 8, 8))\n"
        "show.graph(z)\n"
        "print('after')\n",
        namespace="pictures-worker",
        on_display=seen.append,
    )
    assert r.status == "ok", r
    assert r.output == "before\nafter\n"
    assert r.displays == seen
    plot, image, graph = (decode(d) for d in r.displays)
    assert isinstance(plot, Plot) and plot.title == "sq"
    assert isinstance(image, Image) and image.notes == [
        "only the first 16 of 20 images are shown (at most 16)"
    ]
    assert isinstance(graph, Graph)
    # The names come from the cell's own namespace, in the worker.
    assert describe(graph).splitlines()[1:3] == [
        "PowBackward0  (z.grad_fn)",
        "└── DotBackward0  (y.grad_fn)",
    ]
    assert "[graph] z: 3 nodes, 1 leaf" in r.observed().pictures


def test_a_bad_show_call_is_an_error_in_the_cell(interp):
    r = interp.execute("show.image(torch.zeros(2, 2, 2, 2, 2))", namespace="pictures-worker")
    assert r.status == "error" and r.error_type == "ValueError"
    assert "is not an image" in r.error_message and r.displays == []


async def test_a_regex_expectation_matches_the_picture_text():
    expect = RegexExpect(pattern=r"\[image\] 1 image 28×28 .* values 0 … 255")
    step = Step(text="a digit", code="", expect=expect)
    async with Interpreter(spare=False) as interp:  # judge_step needs the asyncio face
        good = await judge_step(
            interp,
            step,
            "show.image(torch.arange(784).reshape(28, 28) % 256)",
            namespace="judge-pictures",
        )
        bad = await judge_step(
            interp, step, "show.image(torch.zeros(28, 28))", namespace="judge-pictures"
        )
    assert good.passed, good.reason
    assert bad.passed is False and "does not match" in bad.reason


def test_check_prints_the_compact_text_when_not_a_terminal(tmp_path):
    done = tutor(tmp_path, "check", str(LESSONS))
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "\x1b[" not in out
    assert '✓ step 3 "A graph" demo' in out  # steps named as the app names them
    assert (
        "      [graph] z: 3 nodes, 1 leaf\n"
        "      PowBackward0  (z.grad_fn)\n"
        "      └── DotBackward0  (y.grad_fn)\n"
    ) in out
    assert "        note: only the first 16 of 20 images are shown (at most 16)" in out
