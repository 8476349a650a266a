"""Tests the comparison engine's Chinese reasons and diff notes (lang="zh"): every kind with real torch
reprs, the message table, judge_step with a real worker, and the verdict the app shows under --lang zh."""

from __future__ import annotations

import json
import pathlib
import re
from string import Formatter

import pytest
from app_support import (
    run_step,
    running,
    screen_text,
    set_cell,
)

from tutor.compare import Observed, Verdict, compare
from tutor.compare.messages import EN, MESSAGES, ZH, say
from tutor.lessons.model import (
    ErrorExpect,
    OkExpect,
    RegexExpect,
    ShapeExpect,
    TensorExpect,
    TextExpect,
)

pytestmark = pytest.mark.timeout(240)

REPRS = pathlib.Path(__file__).parent / "data" / "reprs"


def out(name: str) -> str:
    return (REPRS / f"{name}.txt").read_text()


def raised(name: str) -> Observed:
    """A real torch 2.14 error (tests/data/reprs/errors.json) as the cell's Observed."""
    err = json.loads((REPRS / "errors.json").read_text())[name]
    return Observed("", "error", err["type"], err["message"])


def zh(expect: object, observed: Observed) -> Verdict:
    return compare(expect, observed, lang="zh")


def rows(v: Verdict) -> list[tuple[str, str]]:
    return [(d.sign, d.text) for d in v.diff]


# ---- text and regex ---------------------------------------------------------------------------


def test_text_line_differs():
    v = zh(TextExpect(output=out("ones_3x4")), Observed(out("zeros_3x4")))
    assert not v.passed
    assert v.reason == (
        "第 1 行不同：期望 'tensor([[1., 1., 1., 1.],'，实际 'tensor([[0., 0., 0., 0.],'"
    )
    # The diff quotes both outputs as they are.
    assert v.diff == compare(TextExpect(output=out("ones_3x4")), Observed(out("zeros_3x4"))).diff


def test_text_missing_and_extra_lines():
    assert (
        zh(TextExpect(output="a\nb\n"), Observed("a\n")).reason
        == "输出提前结束：缺少第 2 行，期望 'b'"
    )
    assert zh(TextExpect(output="a\n"), Observed("a\nb\n")).reason == "从第 2 行起有多余的输出：'b'"
    v = zh(TextExpect(output="a\nb"), Observed("a   \r\nb\r\n"))
    assert (v.passed, v.reason) == (True, "输出与期望一致")


def test_regex_match_and_no_match():
    assert zh(RegexExpect(pattern=r"loss \d+\.\d+"), Observed("epoch 1 loss 0.25\n")).reason == (
        r"输出匹配 /loss \d+\.\d+/"
    )
    v = zh(RegexExpect(pattern=r"loss \d+\.\d+"), Observed("epoch 1 acc 0.9\n"))
    assert (v.passed, v.reason) == (False, r"输出不匹配 /loss \d+\.\d+/")
    assert zh(RegexExpect(pattern="(unclosed"), Observed("x")).reason == (
        "匹配模式 '(unclosed' 无效：missing ), unterminated subpattern at position 0"
    )


def test_ok_expectation():
    assert zh(OkExpect(), Observed("")).reason == "运行成功，没有错误"
    assert zh(None, Observed("")).reason == "运行成功，没有错误"


# ---- tensor and shape (real torch 2.14 reprs) -------------------------------------------------


@pytest.mark.parametrize(
    "expected, actual, reason",
    [
        ("ones_3x4", "ones_3x4_changed", "[1, 2] 处的数值不同：期望 1.0，实际 3.5"),
        ("scalar_f", "scalar_f6", "数值不同：期望 5.0，实际 6.0"),
        ("nan_inf", "nan_inf_b", "[1] 处的数值不同：期望 inf，实际 -inf"),
        (
            "arange2000",
            "arange1999",
            "[-3] 处的数值不同：期望 1997.0，实际 1996.0（另有 2 处不同）",
        ),
        ("ones_3x4", "ones_4x3", "形状不同：期望 (3, 4)，实际 (4, 3)"),
        ("ones_2000x3", "ones_2000x4", "形状不同：期望 (>6, 3)，实际 (>6, 4)"),
        ("ones_3x4", "ones_3x4_int", "dtype 不同：期望 torch.float32，实际 torch.int64"),
        ("grad_fn", "detached", "requires_grad 不同：期望 True，实际 False"),
        (
            "size_3x4",
            "size_4x3",
            "torch.Size 不同：期望 torch.Size([3, 4])，实际 torch.Size([4, 3])",
        ),
        ("mixed", "mixed_label", "第 3 行文字不同：期望 'mean:'，实际 'avg:'"),
        ("max_return", "ones_3x4", "期望 2 个 tensor，实际有 1 个（另有 2 处不同）"),
        ("quantized", "quantized_scale", "scale 不同：期望 0.1，实际 0.2"),
    ],
)
def test_tensor_reasons(expected, actual, reason):
    v = zh(TensorExpect(output=out(expected)), Observed(out(actual)))
    assert (v.passed, v.reason) == (False, reason)
    # Same rows and marks as in English: only the words change, never what is quoted.
    english = compare(TensorExpect(output=out(expected)), Observed(out(actual)))
    assert v.diff == english.diff and v.diff


def test_tensor_labels_suffixes_and_missing_output():
    changed = out("max_return").replace("indices=tensor([1, 0])", "indices=tensor([1, 1])")
    v = zh(TensorExpect(output=out("max_return")), Observed(changed))
    assert v.reason == "第 2 个 tensor（共 2 个）：[1] 处的数值不同：期望 0，实际 1"
    v = zh(TensorExpect(output=out("grad_fn"), check_device=True), Observed(out("grad_fn_cuda")))
    assert v.reason == "device 不同：期望 cpu，实际 cuda:0"
    v = zh(TensorExpect(output=out("grad_fn"), check_grad_fn=True), Observed(out("grad_fn_add")))
    assert v.reason == "grad_fn 不同：期望 <MulBackward0>，实际 <AddBackward0>"
    v = zh(TensorExpect(output="x: tensor([1., 2.])\ndone\n"), Observed("x: tensor([1., 2.])\n"))
    assert v.reason == "第 2 行缺少输出：期望 'done'"
    v = zh(TensorExpect(output="x: tensor([1., 2.])\n"), Observed("x: tensor([1., 2.])\nextra\n"))
    assert v.reason == "第 2 行有多余的输出：'extra'"
    v = zh(TensorExpect(output="mean: 2.5\n"), Observed("mean: 3.0\n"))
    assert v.reason == "第 1 行的数值不同：期望 2.5，实际 3.0"


def test_shape_kind_and_text_fallbacks():
    v = zh(ShapeExpect(output=out("ones_3x4")), Observed(out("ones_3x4_changed")))
    assert (v.passed, v.reason) == (True, "形状和 dtype 都与期望一致")
    v = zh(ShapeExpect(output=out("ones_3x4")), Observed(out("ones_4x3")))
    assert v.reason == "形状不同：期望 (3, 4)，实际 (4, 3)"
    v = zh(ShapeExpect(output="done\n"), Observed("done\n"))
    assert v.reason == "输出与期望一致（按文本比较：期望输出中没有打印 tensor）"
    v = zh(TensorExpect(output="tensor([1., 2.])\n"), Observed("tensor([1., 2.\n"))
    assert v.reason == (
        "第 1 行不同：期望 'tensor([1., 2.])'，实际 'tensor([1., 2.'"
        "（按文本比较：你的输出第 1 行打印的 tensor 无法解析）"
    )


# ---- error expectations and cells that did not finish ------------------------------------------


def test_error_expectations():
    v = zh(
        ErrorExpect(type="RuntimeError", match=r"size of tensor a \(3\)"),
        raised("add_size_mismatch"),
    )
    assert (v.passed, v.reason) == (True, "按预期抛出了 RuntimeError")
    v = zh(ErrorExpect(type="ValueError", match="elements|one element"), raised("item_of_three"))
    assert (v.passed, v.reason) == (
        True,
        "按预期抛出了 RuntimeError（ValueError 在不同 torch 版本间的已知改名）",
    )
    v = zh(ErrorExpect(type="TypeError"), raised("index_out_of_range"))
    assert v.reason == (
        "期望抛出 TypeError，实际抛出了 IndexError：index 5 is out of bounds for dimension 0 with size 3"
    )
    v = zh(ErrorExpect(type="RuntimeError", match="zzz"), raised("add_size_mismatch"))
    assert v.reason == (
        "抛出了 RuntimeError，但报错信息不匹配 /zzz/："
        "'The size of tensor a (3) must match the size of tensor b...'"
    )


def test_error_expected_but_the_cell_ran_or_timed_out():
    v = zh(ErrorExpect(type="ValueError"), Observed("tensor(3.)\n"))
    assert v.reason == "期望抛出 ValueError，但代码运行时没有报错"
    # The "+" row is the Chinese note, marked whole.
    assert rows(v) == [("-", "ValueError"), ("+", "（没有报错）")]
    assert v.diff[1].marks == ((0, len("（没有报错）")),)
    v = zh(ErrorExpect(type="ValueError"), Observed("", "timeout", None, "5.0 s"))
    assert v.reason == "期望抛出 ValueError，但代码运行超时（5.0 s）"


@pytest.mark.parametrize(
    "status, error_type, message, reason",
    [
        (
            "error",
            "NameError",
            "name 'b' is not defined",
            "抛出了 NameError：name 'b' is not defined",
        ),
        ("timeout", None, "10.0 s", "运行超时（10.0 s）"),
        ("crashed", None, "SIGSEGV", "运行崩溃（SIGSEGV）"),
        ("crashed", None, None, "运行崩溃"),
        ("limit", None, "memory limit of 2 GiB", "超出了资源限制：memory limit of 2 GiB"),
        ("interrupted", None, None, "运行被中断"),
    ],
)
def test_cells_that_did_not_finish(status, error_type, message, reason):
    v = zh(TextExpect(output="a\nb\n"), Observed("a\n", status, error_type, message))
    assert (v.passed, v.reason) == (False, reason)
    assert rows(v) == [(" ", "a"), ("-", "b")]  # how far the output got


# ---- diff note rows -----------------------------------------------------------------------------


def test_diff_note_rows():
    expected = "\n".join(map(str, range(100)))
    v = zh(TextExpect(output=expected), Observed("\n".join(map(str, range(1, 100)))))
    assert rows(v)[-1] == (" ", "...（96 行相同）")
    many = zh(TextExpect(output="a\n" * 600), Observed("b\n" * 600))
    assert rows(many)[-1] == (" ", "...（另有 800 行未显示）")


# ---- languages and the message table ------------------------------------------------------------


def test_english_stays_the_default_and_other_languages_fall_back():
    cases = [
        (TextExpect(output="a\nb\n"), Observed("a\nc\n")),
        (TensorExpect(output=out("ones_3x4")), Observed(out("ones_4x3"))),
        (ErrorExpect(type="TypeError"), raised("index_out_of_range")),
    ]
    for expect, observed in cases:
        default = compare(expect, observed)
        assert compare(expect, observed, lang="en") == default
        assert compare(expect, observed, lang="fr") == default
        assert zh(expect, observed).reason != default.reason
    assert (
        say("zh", "line_differs", line=2, expected="'a'", got="'b'")
        == "第 2 行不同：期望 'a'，实际 'b'"
    )


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name is not None}


def test_every_message_has_english_and_chinese_with_the_same_fields():
    assert set(MESSAGES) == {"en", "zh"}
    assert ZH.keys() == EN.keys()
    for key, english in EN.items():
        assert _fields(ZH[key]) == _fields(english), key


# Latin words a Chinese PyTorch text keeps as they are.
KEPT = {"tensor", "torch", "dtype", "size"}


def test_chinese_templates_have_no_english_words_left():
    for key, template in ZH.items():
        words = re.sub(r"\{[^}]*\}", " ", template)
        left = {w for w in re.findall(r"[A-Za-z]{3,}", words) if w.lower() not in KEPT}
        assert not left, (key, template)


def test_every_message_is_used_by_the_engine():
    source = "\n".join(
        p.read_text()
        for p in pathlib.Path(compare.__code__.co_filename).parent.glob("*.py")
        if p.name != "messages.py"
    )
    # Keys are named in full, or built from a stem in source: f"unreadable_{which}",
    # f"count_{kind}s", key + "_detail".
    built = {
        "unreadable_expected",
        "unreadable_actual",
        "count_tensor",
        "count_tensors",
        "count_size",
        "count_sizes",
    }
    for key in EN:
        stem = key.removesuffix("_detail")
        assert key in built or f'"{stem}"' in source, key


# ---- end to end: judge_step with a real worker, and the app ---------------------------------------


async def test_app_shows_the_chinese_verdict():
    async with running((100, 30), lang="zh", lesson_id="app-basics") as (app, pilot):
        await pilot.press(
            "ctrl+n"
        )  # the tensor step: it needs x from step 1, which the app runs first
        set_cell(app, "t = torch.tensor([1.0, 2.5, 3.0]) * x\nt")
        outcome = await run_step(pilot, "ctrl+r")
        assert outcome.passed is False
        assert outcome.reason == "[1] 处的数值不同：期望 10.0，实际 12.5"
        shown = screen_text(app)
        assert "✗ [1] 处的数值不同：期望 10.0，实际 12.5" in shown, shown
        assert "- 期望   + 你的输出" in shown and "- tensor([ 5., 10., 15.])" in shown
