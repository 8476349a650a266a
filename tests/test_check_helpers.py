"""Check helpers (say, ...), a lesson's setup and per-cell filenames, through a real worker."""

from __future__ import annotations

from tutor.judge import judge_step
from tutor.lessons.model import Step

SAY = Step(
    text="t",
    starter="x = 0",
    solution="x = 3",
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
    step = Step(
        text="t",
        starter="",
        solution="f = target",
        check="assert f(4) == target(4), 'f(4) is wrong'",
    )
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
    out = await judge_step(
        interp, step, "a = 1", namespace=ns, lang="zh", setup="import no_such_module_x"
    )
    assert "课程的准备代码" in out.reason


async def test_inspect_getsource_finds_each_cells_function(interp, ns):
    await interp.execute("def f(x):\n    return x + 1\n", namespace=ns)
    await interp.execute("def g(x):\n    return x * 2\n", namespace=ns)
    got = await interp.execute("import inspect\nprint(inspect.getsource(f), end='')", namespace=ns)
    assert got.output == "def f(x):\n    return x + 1\n"
    got = await interp.execute("print(inspect.getsource(g), end='')", namespace=ns)
    assert got.output == "def g(x):\n    return x * 2\n"


# --- random_cases, uses_only, max_lines, as a check uses them --------------------------------

SETUP = "from torch import arange, where\n"


def exercise(check: str) -> Step:
    return Step(text="t", starter="", solution="pass", check=check)


async def verdict(interp, ns, code: str, check: str, lang: str = "en") -> str:
    out = await judge_step(interp, exercise(check), code, namespace=ns, lang=lang, setup=SETUP)
    assert out.check is not None, out.reason
    if out.passed:
        return "passed"
    assert out.check.error_type == "AssertionError", out.reason  # never the check's own bug
    return out.reason


RANGE_CHECK = (
    "random_cases(my_range, lambda i: torch.arange(i), ['size i'], sizes=(1, 9))\n"
    "uses_only(my_range, ['arange', 'where'])\nmax_lines(my_range, 1)\n"
)


async def test_structure_rules_catch_lambdas_closures_and_default_smuggling(interp, ns):
    good = "def my_range(i):\n    return arange(i)\n"
    assert await verdict(interp, ns, good, RANGE_CHECK) == "passed"
    assert (
        await verdict(
            interp, ns, "my_range = lambda i: where(arange(i) >= 0, arange(i), 0)", RANGE_CHECK
        )
        == "passed"
    )
    smuggled = {
        "def my_range(i, c=torch.cumsum):\n    return c(arange(i) * 0 + 1, 0) - 1\n": "uses `cumsum` (through `c`)",
        "def make():\n    c = torch.cumsum\n    return lambda i: c(arange(i) * 0 + 1, 0) - 1\n"
        "my_range = make()\n": "uses `cumsum` (through `c`)",
        "def my_range(i):\n    return torch.ones(i).cumsum(0).long() - 1\n": "uses `torch.ones`",
        "def my_range(i):\n    return arange(i).flip(0).flip(0)\n": "uses `.flip`",
        "def my_range(i):\n    import numpy\n    return arange(i)\n": "uses `import numpy`",
    }
    for code, why in smuggled.items():
        reason = await verdict(interp, ns, code, RANGE_CHECK)
        assert why in reason and "which is not allowed here" in reason, (code, reason)
    two = "def my_range(i):\n    r = arange(i)\n    return r\n"
    assert (await verdict(interp, ns, two, RANGE_CHECK)).endswith(
        "my_range takes 2 lines; at most 1 allowed"
    )
    hidden = "def helper(i):\n    r = arange(i)\n    return r\ndef my_range(i, h=helper):\n    return h(i)\n"
    reason = await verdict(interp, ns, hidden, "max_lines(my_range, 1)")
    assert reason.endswith("my_range takes 3 lines; at most 1 allowed")


async def test_random_cases_reports_the_first_failing_case_with_its_inputs(interp, ns):
    check = "random_cases(shift, lambda a: a + 1, ['i in 0..9'], sizes=(1, 4))"
    assert await verdict(interp, ns, "def shift(a):\n    return a + 1\n", check) == "passed"
    wrong = "def shift(a):\n    return where(a > 5, a, a + 1)\n"  # wrong only for values over 5
    first = await verdict(interp, ns, wrong, check)
    assert first.startswith("check failed: case ") and "shift(a=tensor([" in first
    assert "\nreturned: tensor([" in first and "\nexpected: tensor([" in first
    assert await verdict(interp, ns, wrong, check) == first  # reproducible: the same case again
    zh = await verdict(interp, ns, wrong, check, lang="zh")
    assert zh.startswith("检查未通过：第 ") and "\n应为：tensor([" in zh
    shape = await verdict(interp, ns, "def shift(a):\n    return a[:1] + 1\n", check)
    assert "shape (1,), expected (" in shape or shape.startswith("check failed: case 1 ")
    raised = await verdict(interp, ns, "def shift(a):\n    return a[3] + 1\n", check)
    assert "raised IndexError" in raised


async def test_a_bad_argument_spec_is_the_checks_bug_not_an_assertion(interp, ns):
    step = exercise("random_cases(f, lambda a: a, ['i in 5'])")
    out = await judge_step(interp, step, "f = lambda a: a", namespace=ns)
    assert out.check.error_type == "ValueError"
    assert "cannot read the argument spec 'i in 5'" in out.reason
    out = await judge_step(
        interp,
        exercise("random_cases(f, lambda n: n, ['size n in 1..3'])"),
        "f = lambda n: n",
        namespace=ns,
    )
    assert "a size argument takes no range" in out.reason
