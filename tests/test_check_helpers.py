"""Check helpers (say, ...), a lesson's setup and per-cell filenames, through a real worker."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from tutor.interpreter import Interpreter
from tutor.judge import judge_step
from tutor.lessons.model import Step

_names = itertools.count()


@pytest.fixture(scope="module")
def interp():
    it = Interpreter(spare=False)
    asyncio.run(it.start())
    yield it
    asyncio.run(it.shutdown())


@pytest.fixture
def ns(interp):
    return f"helpers-{next(_names)}"


SAY = Step(
    text="t", starter="x = 0", solution="x = 3",
    check='assert x == 3, say(en=f"x is {x}, expected 3", zh=f"x 是 {x}，应为 3")',
)


async def test_say_answers_in_the_learners_language(interp, ns):
    out = await judge_step(interp, SAY, "x = 1", namespace=ns, lang="zh")
    assert out.reason == "检查未通过：x 是 1，应为 3"
    out = await judge_step(interp, SAY, "x = 2", namespace=ns, lang="en")
    assert out.reason == "check failed: x is 2, expected 3"
    assert (await judge_step(interp, SAY, "x = 3", namespace=ns, lang="zh")).passed is True


async def test_say_falls_back_to_english_when_zh_is_missing(interp, ns):
    step = Step(text="t", starter="", solution="y = 1", check="assert y == 1, say(en='y is wrong')")
    out = await judge_step(interp, step, "y = 0", namespace=ns, lang="zh")
    assert out.reason == "检查未通过：y is wrong"


async def test_check_helpers_and_check_names_stay_out_of_the_learners_namespace(interp, ns):
    step = Step(text="t", starter="", solution="z = 1", check="helper_made_by_check = 5\nassert z")
    assert (await judge_step(interp, step, "z = 1", namespace=ns)).passed is True
    seen = await interp.execute("sorted(n for n in dir() if not n.startswith('_'))", namespace=ns)
    assert "say" not in seen.value and "helper_made_by_check" not in seen.value
    assert "'z'" in seen.value
    # A learner's own `say` is theirs: the check's helper neither clobbers it nor leaks into it.
    await interp.execute("say = 'mine'", namespace=ns)
    assert (await judge_step(interp, SAY, "x = 3", namespace=ns)).passed is True
    assert (await interp.execute("say", namespace=ns)).value == "'mine'"


async def test_setup_runs_hidden_before_the_cell_and_the_check(interp, ns):
    setup = "import math\ndef target(n):\n    return math.factorial(n)\n"
    step = Step(text="t", starter="", solution="f = target",
                check="assert f(4) == target(4), 'f(4) is wrong'")
    # The cell may use setup's names; the learner overwriting `target` cannot fool the check.
    out = await judge_step(interp, step, "f = lambda n: 1\ntarget = f", namespace=ns, setup=setup)
    assert out.passed is False and out.reason == "check failed: f(4) is wrong"
    assert out.result.output == ""  # setup prints nothing and its value is not shown
    out = await judge_step(interp, step, "f = math.factorial", namespace=ns, setup=setup)
    assert out.passed is True


async def test_a_broken_setup_is_the_lessons_mistake(interp, ns):
    step = Step(text="t", starter="", solution="a = 1", check="assert a == 1")
    out = await judge_step(interp, step, "a = 1", namespace=ns, setup="import no_such_module_x")
    assert out.passed is False
    assert out.reason.startswith("the lesson's setup raised ModuleNotFoundError")
    out = await judge_step(interp, step, "a = 1", namespace=ns, lang="zh",
                           setup="import no_such_module_x")
    assert "课程的准备代码" in out.reason


async def test_inspect_getsource_finds_each_cells_function(interp, ns):
    await interp.execute("def f(x):\n    return x + 1\n", namespace=ns)
    await interp.execute("def g(x):\n    return x * 2\n", namespace=ns)
    got = await interp.execute("import inspect\nprint(inspect.getsource(f), end='')",
                               namespace=ns)
    assert got.output == "def f(x):\n    return x + 1\n"
    got = await interp.execute("print(inspect.getsource(g), end='')", namespace=ns)
    assert got.output == "def g(x):\n    return x * 2\n"
