"""Tests the built-in exercises issue 14 names with a real worker: known wrong answers fail, right ones pass."""

from __future__ import annotations

import ast
import itertools

import pytest

from tutor.judge import judge_step
from tutor.lessons.loader import load_catalog
from tutor.lessons.model import Step, tr

_names = itertools.count()


@pytest.fixture(scope="module")
def lessons():
    catalog = load_catalog(user=False, env=False)
    return {loaded.lesson.id: loaded.lesson for loaded in catalog.lessons}


def exercise(lessons, lesson_id: str, title: str) -> Step:
    return next(s for s in lessons[lesson_id].steps if tr(s.title, "en") == title)


async def judge(interp, step: Step, code: str, *, before: str = "", lang: str = "en"):
    ns = f"exercises-{next(_names)}"
    if before:
        ran = await interp.execute(before, namespace=ns)
        assert ran.ok, ran.error_message
    return await judge_step(interp, step, code, namespace=ns, lang=lang)


async def verdicts(interp, step, answers, **kw) -> list[tuple[bool, str]]:
    return [((out := await judge(interp, step, code, **kw)).passed, out.reason) for code in answers]


def given(step: Step) -> str:
    """The lines of the solution before its last one: the exercise's own data, so answers use it."""
    return "".join(line + "\n" for line in step.solution.strip().splitlines()[:-1])


async def test_row_scaling_rejects_answers_that_only_fit_a_matrix_of_ones(interp, lessons):
    step = exercise(lessons, "broadcasting", "Exercise: scale each row")
    M = given(step)
    wrong = [M + "scaled = scale[:, None].expand(3, 4)", M + "scaled = m + scale[:, None] - 1"]
    right = [
        M + "scaled = m * scale[:, None]",
        M + "scaled = m * scale.unsqueeze(1)",
        M + "scaled = (m.T * scale).T",
        M + "scaled = torch.diag(scale) @ m",
    ]
    assert [ok for ok, _ in await verdicts(interp, step, wrong)] == [False, False]
    assert await verdicts(interp, step, right) == [(True, "all checks passed")] * 4


async def test_item_mean_rejects_the_median_and_the_middle_element(interp, lessons):
    step = exercise(lessons, "item", "Exercise: fix the average")
    X = given(step)
    out = await verdicts(
        interp, step, [X + "average = x.median().item()", X + "average = x[1].item()"]
    )
    assert [ok for ok, _ in out] == [False, False], out
    right = [
        X + "average = x.mean().item()",
        X + "average = x.sum().item() / len(x)",
        X + "average = float(x.mean())",
    ]
    assert [ok for ok, _ in await verdicts(interp, step, right)] == [True] * 3


async def test_dice_rejects_a_repeating_pattern_and_accepts_random_rolls(interp, lessons):
    step = exercise(lessons, "tensors", "Exercise: roll a die")
    ((ok, reason),) = await verdicts(interp, step, ["dice = torch.arange(100) % 6 + 1"])
    assert not ok and "only 6 of the 36 possible (roll, next roll) pairs" in reason
    ((ok, _),) = await verdicts(interp, step, ["dice = torch.randint(1, 7, (100,)).sort().values"])
    assert not ok
    # Other seeds than the worker's 0 too: a fair die must pass whatever the draw.
    right = ["dice = torch.randint(1, 7, (100,))", "dice = torch.randint(6, (100,)) + 1"] + [
        f"torch.manual_seed({seed})\ndice = torch.randint(1, 7, (100,))" for seed in range(1, 6)
    ]
    assert [ok for ok, _ in await verdicts(interp, step, right)] == [True] * len(right)


async def test_parameter_count_accepts_any_integer_type(interp, lessons):
    step = exercise(lessons, "fcn-mnist", "Exercise: parameters from the layer sizes")
    pairs = "zip(sizes[:-1], sizes[1:])"
    right = [
        f"def mlp_params(sizes):\n    return sum(a * b + b for a, b in {pairs})",
        # The "got int64" report: a NumPy integer is an integer.
        f"import numpy as np\ndef mlp_params(sizes):\n    return np.int64(sum(a * b + b for a, b in {pairs}))",
        "import numpy as np\ndef mlp_params(sizes):\n"
        "    s = np.array(sizes)\n    return (s[:-1] * s[1:] + s[1:]).sum()",
    ]
    assert await verdicts(interp, step, right) == [(True, "all checks passed")] * 3
    wrong = [
        f"def mlp_params(sizes):\n    return sum(a * b for a, b in {pairs})",
        f"def mlp_params(sizes):\n    return float(sum(a * b + b for a, b in {pairs}))",
        f"def mlp_params(sizes):\n    return sum(a * b + b for a, b in {pairs}) > 0",
    ]
    assert [ok for ok, _ in await verdicts(interp, step, wrong)] == [False] * 3


GRID = "x = torch.Tensor([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])"


async def test_standing_column_messages_fit_the_answer(interp, lessons):
    step = exercise(lessons, "indexing", "Exercise: the last column, standing")
    flat, row = await verdicts(interp, step, ["col = x[:, -1]", "col = x[-1:, :]"], before=GRID)
    assert not flat[0] and "an integer index drops the dimension" in flat[1]
    assert not row[0] and "that is the last row" in row[1]
    assert "drops the dimension" not in row[1]  # x[-1:, :] keeps both dimensions
    right = ["col = x[:, [-1]]", "col = x[:, -1:]", "col = x[:, 3].unsqueeze(1)"]
    assert [ok for ok, _ in await verdicts(interp, step, right, before=GRID)] == [True] * 3


async def test_a_failed_check_speaks_the_learners_language(interp, lessons):
    step = exercise(lessons, "tensors", "Exercise: roll a die")
    zh = await judge(interp, step, "dice = torch.arange(100) % 6 + 1", lang="zh")
    assert zh.passed is False
    assert (
        zh.reason
        == "检查未通过：dice 有固定的规律：36 种可能的（这一次，下一次）组合只出现了 6 种；真正的掷骰子是随机的（torch.randint）"
    )
    en = await judge(interp, step, "dice = torch.arange(100) % 6 + 1")
    assert en.reason.startswith("check failed: dice follows a pattern: only 6 of the 36")


def check_messages(check: str) -> list[ast.expr]:
    """What each assertion of a check shows when it fails: assert messages, AssertionError arguments."""
    found = []
    for node in ast.walk(ast.parse(check)):
        if isinstance(node, ast.Assert) and node.msg is not None:
            found.append(node.msg)
        elif (
            isinstance(node, ast.Raise)
            and isinstance(node.exc, ast.Call)
            and getattr(node.exc.func, "id", None) == "AssertionError"
            and node.exc.args
        ):
            found.append(node.exc.args[0])
    return found


def test_every_built_in_check_message_has_chinese(lessons):
    missing = [
        f"{lesson.id} {tr(step.title, 'en')!r}: {ast.unparse(msg)[:70]}"
        for lesson in lessons.values()
        for step in lesson.steps
        if step.check
        for msg in check_messages(step.check)
        if not (
            isinstance(msg, ast.Call)
            and getattr(msg.func, "id", None) == "say"
            and {kw.arg for kw in msg.keywords} | ({"en"} if msg.args else set()) >= {"en", "zh"}
        )
    ]
    assert missing == []


# The new lessons judge behaviour: other correct answers than the reference solution pass too.
ALTERNATIVES = [
    (
        "shapes",
        "Exercise: flatten the transpose",
        ["M.T.contiguous().view(-1)", "M.T.flatten()", "M.t().ravel()", "M.T.reshape(12)"],
        "flat_T",
    ),
    (
        "shapes",
        "Exercise: channels first",
        [
            "photos.movedim(3, 1)",
            "photos.permute(0, 3, 1, 2).contiguous()",
            "torch.einsum('nhwc->nchw', photos)",
            "photos.transpose(1, 3).transpose(2, 3)",
        ],
        "nchw",
    ),
    (
        "shapes",
        "Exercise: a batch from single images",
        [
            "torch.stack(images)[:, None]",
            "torch.cat([im[None, None] for im in images])",
            "torch.stack([im.unsqueeze(0) for im in images])",
        ],
        "batch",
    ),
    (
        "shapes",
        "Exercise: a bias for every row, no copies",
        [
            "bias[None].expand(1000, -1)",
            "torch.broadcast_to(bias, (1000, 3))",
            "bias.unsqueeze(0).expand(1000, 3)",
        ],
        "tiled",
    ),
    (
        "dtypes",
        "Exercise: the mean of integer counts",
        [
            "counts.mean(dtype=torch.float32)",
            "counts.sum() / len(counts)",
            "counts.double().mean()",
        ],
        "mean",
    ),
    (
        "dtypes",
        "Exercise: feed NumPy data to a layer",
        [
            "torch.tensor(table, dtype=torch.float32)",
            "torch.from_numpy(table.astype(np.float32))",
            "torch.from_numpy(table).to(torch.float32)",
        ],
        "x",
    ),
    (
        "dtypes",
        "Exercise: labels for cross_entropy",
        [
            "torch.tensor(labels, dtype=torch.long)",
            "torch.from_numpy(labels.astype(np.int64))",
            "torch.from_numpy(labels).to(torch.int64)",
        ],
        "target",
    ),
    (
        "dtypes",
        "Exercise: a snapshot of the weights",
        [
            "w.detach().clone().numpy()",
            "np.array(w.detach())",
            "w.detach().cpu().numpy().copy()",
            "np.array(w.tolist(), dtype=np.float32)",
        ],
        "snapshot",
    ),
]


@pytest.mark.parametrize(
    ("lesson_id", "title", "answers", "name"),
    ALTERNATIVES,
    ids=[f"{a[0]}:{a[3]}" for a in ALTERNATIVES],
)
async def test_new_lessons_accept_other_right_answers(
    interp, lessons, lesson_id, title, answers, name
):
    step = exercise(lessons, lesson_id, title)
    data = "import numpy as np\n" + given(step)
    out = await verdicts(interp, step, [f"{data}{name} = {answer}" for answer in answers])
    assert out == [(True, "all checks passed")] * len(answers)
