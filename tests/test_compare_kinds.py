"""Tests every expectation kind, passing and failing, with the reasons asserted (real torch reprs)."""

from __future__ import annotations

import pathlib

import pytest

from tutor.compare import Observed, Verdict, compare
from tutor.lessons.model import (
    OkExpect,
    RegexExpect,
    ShapeExpect,
    TensorExpect,
    TextExpect,
)

REPRS = pathlib.Path(__file__).parent / "data" / "reprs"


def out(name: str) -> str:
    return (REPRS / f"{name}.txt").read_text()


def tensor_verdict(expected: str, actual: str, **options) -> Verdict:
    return compare(TensorExpect(output=out(expected), **options), Observed(out(actual)))


def shape_verdict(expected: str, actual: str) -> Verdict:
    return compare(ShapeExpect(output=out(expected)), Observed(out(actual)))


# ---- text -----------------------------------------------------------------------------------


def test_text_ignores_trailing_whitespace_and_blank_lines():
    v = compare(TextExpect(output="a\nb\n"), Observed("a   \nb\t\n\n\n"))
    assert (v.passed, v.reason, v.diff) == (True, "output matches", ())
    assert compare(TextExpect(output="a\nb"), Observed("a\r\nb\r\n")).passed


def test_text_is_exact_otherwise():
    v = compare(TextExpect(output=out("ones_3x4")), Observed(out("zeros_3x4")))
    assert not v.passed
    assert (
        v.reason
        == "line 1 differs: expected 'tensor([[1., 1., 1., 1.],', got 'tensor([[0., 0., 0., 0.],'"
    )
    assert (
        compare(TextExpect(output=" a"), Observed("a")).reason
        == "line 1 differs: expected ' a', got 'a'"
    )


def test_text_missing_and_extra_lines():
    assert compare(TextExpect(output="a\nb\n"), Observed("a\n")).reason == (
        "output ends early: line 2 missing, expected 'b'"
    )
    assert compare(TextExpect(output="a\n"), Observed("a\nb\n")).reason == (
        "unexpected extra output at line 2: 'b'"
    )


# ---- tensor: passing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expected, actual",
    [
        ("ones_3x4", "ones_3x4"),
        ("near_a", "near_b"),  # within rtol though printed 0.3333 vs 0.3334
        ("grad_fn", "grad_fn_cuda"),  # device ignored by default
        ("grad_fn_cuda", "grad_fn"),
        ("grad_fn", "grad_fn_add"),  # grad_fn name ignored by default
        ("ones100", "ones100_cuda"),
        ("wide", "wide_cuda"),  # the device suffix wrapped onto its own line
        ("scalar_f", "scalar_f_cuda"),
        ("empty_0x3", "empty_0x3_cuda"),
        ("arange2000", "arange2000"),
        ("nan_inf", "nan_inf"),  # nan equals nan
        ("bool", "bool"),
        ("complex_sci", "complex_sci"),
        ("max_return", "max_return"),
        ("mixed", "mixed"),
        ("parameter", "parameter"),
        ("neg_zero", "neg_zero"),
    ],
)
def test_tensor_passes(expected, actual):
    v = tensor_verdict(expected, actual)
    assert (v.passed, v.reason, v.diff) == (True, "output matches", ())


def test_tensor_compares_numbers_not_text():
    # torch prints `1.` when every value is integral and `1.0000` otherwise.
    expect = TensorExpect(output="tensor([1., 2.])\n")
    assert compare(expect, Observed("tensor([1.0000, 2.0000])\n")).passed
    assert compare(expect, Observed("tensor([1.0000e+00, 2.0000e+00])")).passed
    assert compare(TensorExpect(output="x = 0.30000000000000004"), Observed("x = 0.3")).passed
    # Whitespace around tensors is free; the words themselves are not.
    assert compare(TensorExpect(output="x:\ntensor(5.)"), Observed("x:   tensor(5.)")).passed


def test_tensor_tolerance_is_configurable():
    strict = TensorExpect(output="tensor([1.0000, 2.0000])", rtol=0, atol=0)
    assert compare(strict, Observed("tensor([1.0000, 2.0000])")).passed
    loose = TensorExpect(output="tensor([1.0000, 2.0000])", rtol=0.1)
    assert compare(loose, Observed("tensor([1.0500, 2.1000])")).passed
    v = compare(
        TensorExpect(output="tensor([1.0000, 2.0000])"), Observed("tensor([1.0500, 2.1000])")
    )
    assert v.reason == "value differs at [0]: expected 1.0, got 1.05 (and 1 more difference)"


# ---- tensor: failing, one reason class each ------------------------------------------------------


@pytest.mark.parametrize(
    "expected, actual, reason",
    [
        ("ones_3x4", "ones_3x4_changed", "value differs at [1, 2]: expected 1.0, got 3.5"),
        ("scalar_f", "scalar_f6", "value differs: expected 5.0, got 6.0"),
        ("arange3d", "arange3d_changed", "value differs at [1, 2, 3]: expected 23.0, got 99.0"),
        ("int64", "int64_b", "value differs at [2]: expected 3, got 4"),
        ("bool", "bool_b", "value differs at [2]: expected True, got False"),
        ("nan_inf", "nan_inf_b", "value differs at [1]: expected inf, got -inf"),
        ("sci", "sci_b", "value differs at [0]: expected 0.0001, got 0.00012"),
        ("ones100", "ones100_changed", "value differs at [-1, 0]: expected 1.0, got 2.0"),
        (
            "arange2000",
            "arange1999",
            "value differs at [-3]: expected 1997.0, got 1996.0 (and 2 more differences)",
        ),
        ("ones_3x4", "ones_4x3", "shape differs: expected (3, 4), got (4, 3)"),
        ("ones_2000x3", "ones_2000x4", "shape differs: expected (>6, 3), got (>6, 4)"),
        ("ones_3x4", "ones100", "shape differs: expected (3, 4), got (>6, >6)"),
        ("empty", "empty_0x3", "shape differs: expected (0,), got (0, 3)"),
        ("ones_3x4", "ones_3x4_int", "dtype differs: expected torch.float32, got torch.int64"),
        ("float64", "frac", "dtype differs: expected torch.float64, got torch.float32"),
        ("int64", "int32", "dtype differs: expected torch.int64, got torch.int32"),
        ("arange2000", "arange2000_int", "dtype differs: expected torch.float32, got torch.int64"),
        ("grad_fn", "detached", "requires_grad differs: expected True, got False"),
        (
            "size_3x4",
            "size_4x3",
            "size differs: expected torch.Size([3, 4]), got torch.Size([4, 3])",
        ),
        (
            "mixed",
            "mixed_offset",
            "value differs at [0, 0]: expected 0.0, got 0.5 (and 6 more differences)",
        ),
        ("mixed", "mixed_label", "text differs at line 3: expected 'mean:', got 'avg:'"),
        ("max_return", "ones_3x4", "expected 2 tensors, got 1 (and 2 more differences)"),
    ],
)
def test_tensor_fails_with_reason(expected, actual, reason):
    v = tensor_verdict(expected, actual)
    assert not v.passed
    assert v.reason.split(" (and ")[0] == reason.split(" (and ")[0]
    if "(and " in reason:
        assert v.reason == reason
    assert v.diff, "a failing verdict carries a diff"


def test_other_suffixes_must_be_equal():
    assert tensor_verdict("quantized", "quantized").passed
    v = tensor_verdict("quantized", "quantized_scale")
    assert v.reason == "scale differs: expected 0.1, got 0.2"
    assert [d.text[s:e] for d in v.diff for s, e in d.marks] == ["scale=0.1", "scale=0.2"]


def test_missing_output():
    v = compare(
        TensorExpect(output="x: tensor([1., 2.])\ndone\n"), Observed("x: tensor([1., 2.])\n")
    )
    assert v.reason == "missing output at line 2: expected 'done'"
    assert [(d.sign, d.text) for d in v.diff] == [(" ", "x: tensor([1., 2.])"), ("-", "done")]


def test_several_tensors_name_the_one_that_differs():
    changed = out("max_return").replace("indices=tensor([1, 0])", "indices=tensor([1, 1])")
    v = compare(TensorExpect(output=out("max_return")), Observed(changed))
    assert v.reason == "tensor 2 of 2: value differs at [1]: expected 0, got 1"


def test_mixed_output_reports_every_difference():
    v = tensor_verdict("mixed", "mixed_offset")
    # Six values and the printed mean.
    assert v.reason.endswith("(and 6 more differences)")
    assert "number differs at line 3: expected 2.5, got 3.0" in _all_reasons(
        "mixed", "mixed_offset"
    )


def _all_reasons(expected: str, actual: str) -> list[str]:
    from tutor.compare.kind_tensor import Options, _Judge
    from tutor.compare.scan import scan

    judge = _Judge(out(expected), out(actual), Options(), 1)
    judge.run(scan(out(expected)).tokens, scan(out(actual)).tokens)
    return judge.problems


def test_device_and_grad_fn_when_asked():
    v = tensor_verdict("grad_fn", "grad_fn_cuda", check_device=True)
    assert (v.passed, v.reason) == (False, "device differs: expected cpu, got cuda:0")
    assert tensor_verdict("grad_fn_cuda", "grad_fn_cuda", check_device=True).passed
    v = tensor_verdict("grad_fn", "grad_fn_add", check_grad_fn=True)
    assert v.reason == "grad_fn differs: expected <MulBackward0>, got <AddBackward0>"
    assert tensor_verdict("grad_fn", "grad_fn_cuda", check_grad_fn=True).passed


def test_requires_grad_leaf_versus_plain():
    v = tensor_verdict("requires_grad", "float64")
    assert v.reason == "requires_grad differs: expected True, got False"
    assert tensor_verdict("requires_grad", "requires_grad").passed


def test_unparsable_tensor_falls_back_to_text():
    expect = TensorExpect(output="tensor(nonsense\n")
    v = compare(expect, Observed("tensor(nonsense\n"))
    assert v.passed
    assert v.reason == (
        "output matches (compared as text: could not read the tensor printed at line 1 "
        "of the expected output)"
    )
    v = compare(TensorExpect(output=out("ones_3x4")), Observed("tensor([[1., 1.,\n"))
    assert not v.passed
    assert v.reason.endswith(
        "(compared as text: could not read the tensor printed at line 1 of the actual output)"
    )
    assert v.reason.startswith("line 1 differs: ")


# ---- shape ----------------------------------------------------------------------------------


def test_shape_ignores_values_and_text():
    v = shape_verdict("rand_3x4_seed0", "rand_3x4_seed1")
    assert (v.passed, v.reason) == (True, "shapes and dtypes match")
    assert shape_verdict("mixed", "mixed_label").passed  # the text around does not count
    assert shape_verdict("grad_fn", "detached").passed  # nor autograd suffixes


def test_shape_fails_on_shape_dtype_size_and_count():
    assert shape_verdict("rand_3x4_seed0", "rand_4x3_seed0").reason == (
        "shape differs: expected (3, 4), got (4, 3)"
    )
    assert shape_verdict("ones_3x4", "ones_3x4_int").reason == (
        "dtype differs: expected torch.float32, got torch.int64"
    )
    assert shape_verdict("size_3x4", "size_4x3").reason == (
        "size differs: expected torch.Size([3, 4]), got torch.Size([4, 3])"
    )
    assert shape_verdict("max_return", "rand_3x4_seed0").reason.startswith(
        "expected 2 tensors, got 1"
    )


def test_shape_without_tensors_compares_text():
    v = compare(ShapeExpect(output="hello\n"), Observed("hello\n"))
    assert (v.passed, v.reason) == (
        True,
        "output matches (compared as text: the expected output prints no tensor)",
    )


# ---- regex and ok ---------------------------------------------------------------------------


def test_regex():
    expect = RegexExpect(pattern=r"^torch \d+\.\d+.*cpu$")
    v = compare(expect, Observed("torch 2.14.1\ndevice: cpu\n"))
    assert (v.passed, v.reason) == (True, r"output matches /^torch \d+\.\d+.*cpu$/")
    v = compare(RegexExpect(pattern=r"cuda"), Observed("cpu\n"))
    assert (v.passed, v.reason) == (False, "output does not match /cuda/")
    v = compare(RegexExpect(pattern=r"(unclosed"), Observed("x"))
    assert not v.passed and v.reason.startswith("invalid pattern '(unclosed': missing )")


def test_ok_and_none():
    assert compare(OkExpect(), Observed("anything")).reason == "ran without error"
    assert compare(None, Observed("")).passed


# ---- the cell did not finish ----------------------------------------------------------------


@pytest.mark.parametrize(
    "observed, reason",
    [
        (
            Observed(
                "",
                "error",
                "RuntimeError",
                "a Tensor with 3 elements cannot be converted to Scalar",
            ),
            "raised RuntimeError: a Tensor with 3 elements cannot be converted to Scalar",
        ),
        (Observed("", "error", "KeyError", ""), "raised KeyError"),
        (Observed("", "timeout", None, None), "timed out"),
        (Observed("", "timeout", None, "killed after 2 s"), "timed out (killed after 2 s)"),
        (Observed("", "interrupted"), "was interrupted"),
        (Observed("", "crashed", None, "SIGSEGV"), "crashed (SIGSEGV)"),
        (
            Observed("", "limit", "MemoryError", "memory limit 2048 MB"),
            "hit a resource limit: memory limit 2048 MB",
        ),
        (Observed("", "lost"), "ended with status 'lost'"),
    ],
)
def test_a_cell_that_did_not_finish_fails_every_output_kind(observed, reason):
    for expect in (
        OkExpect(),
        TextExpect(output=""),
        TensorExpect(output=""),
        RegexExpect(pattern=""),
    ):
        v = compare(expect, observed)
        assert (v.passed, v.reason) == (False, reason)


def test_error_status_still_shows_the_partial_output_diff():
    observed = Observed(out("ones_3x4"), "error", "RuntimeError", "boom\nsecond line")
    v = compare(TensorExpect(output=out("ones_3x4") + "done\n"), observed)
    assert v.reason == "raised RuntimeError: boom"
    assert v.diff[-1].sign == "-" and v.diff[-1].text == "done"


def test_unknown_expectation_type_is_a_programming_error():
    with pytest.raises(TypeError, match="not an expectation: str"):
        compare("text", Observed(""))


def test_half_precision_tolerates_one_ulp():
    # torch.tensor([1.5, 2.0], dtype=torch.float16) one float16 ulp (2**-10 * 2) away.
    ulp_away = out("float16").replace("2.0000", "2.0020")
    assert compare(TensorExpect(output=out("float16")), Observed(ulp_away)).passed
    v = compare(
        TensorExpect(output=out("float16")), Observed(out("float16").replace("2.0000", "2.0100"))
    )
    assert v.reason == "value differs at [1]: expected 2.0, got 2.01"


def test_reasons_are_one_line():
    v = compare(TensorExpect(output=out("max_return")), Observed("nothing\n"))
    assert "\n" not in v.reason
    assert v.reason.startswith("expected 2 tensors, got 0")


def test_garbage_outputs_never_raise():
    import random

    rng = random.Random(99)
    pieces = [
        "tensor(",
        "[",
        "]",
        "1.",
        "nan",
        ",",
        " ",
        "\n",
        "...",
        ")",
        "torch.Size([",
        "3",
        "e-4",
        "'",
        "=",
        "x",
    ]
    real = [out(n) for n in ("ones100", "grad_fn_cuda", "mixed", "max_return")]
    for _ in range(500):
        garbage = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        other = rng.choice(real + [garbage])
        for expect in (
            TensorExpect(output=garbage),
            ShapeExpect(output=garbage),
            TensorExpect(output=other),
        ):
            v = compare(expect, Observed(rng.choice([garbage, other])))
            assert isinstance(v.passed, bool) and "\n" not in v.reason
