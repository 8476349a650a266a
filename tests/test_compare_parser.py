"""Tests the printed-tensor parser on real torch 2.14 reprs (tests/data/reprs) and on garbage."""

from __future__ import annotations

import math
import pathlib
import random

import pytest

from tutor.compare import parse_size, parse_tensor
from tutor.compare.scan import scan

REPRS = pathlib.Path(__file__).parent / "data" / "reprs"


def out(name: str) -> str:
    return (REPRS / f"{name}.txt").read_text()


def tensor(name: str):
    """The only tensor printed by fixture ``name``."""
    found = [t.value for t in scan(out(name)).tokens if t.kind == "tensor"]
    assert len(found) == 1, found
    return found[0]


def test_fixtures_are_real_torch_output():
    assert (REPRS / "VERSION").read_text().startswith("torch 2.14")
    assert out("grad_fn") == "tensor([2., 4.], dtype=torch.float64, grad_fn=<MulBackward0>)\n"


@pytest.mark.parametrize("name", sorted(p.stem for p in REPRS.glob("*.txt")))
def test_every_fixture_parses_completely(name):
    result = scan(out(name))
    assert result.unparsed == []
    assert any(t.kind in ("tensor", "size") for t in result.tokens)


@pytest.mark.parametrize(
    "name, shape, dtype, n_shown",
    [
        ("ones_3x4", (3, 4), "torch.float32", 12),
        ("ones_3x4_int", (3, 4), "torch.int64", 12),
        ("scalar_f", (), "torch.float32", 1),
        ("scalar_i", (), "torch.int64", 1),
        ("int32", (3,), "torch.int32", 3),
        ("float16", (2,), "torch.float16", 2),
        ("float64", (2,), "torch.float64", 2),
        ("bool", (4,), "torch.bool", 4),
        ("arange3d", (2, 3, 4), "torch.float32", 24),
        ("ones_10x10x10", (10, 10, 10), "torch.float32", 1000),
        ("arange2000", (None,), "torch.float32", 6),
        ("arange2000_int", (None,), "torch.int64", 6),
        ("ones100", (None, None), "torch.float32", 36),
        ("ones_2000x3", (None, 3), "torch.float32", 18),
        ("complex", (2,), "torch.complex64", 2),
        ("complex_sci", (2,), "torch.complex64", 2),
        ("empty", (0,), "torch.float32", 0),
        ("empty_0x3", (0, 3), "torch.float32", 0),
        ("empty_int", (0,), "torch.int64", 0),
        ("wide", (30,), "torch.float32", 30),
        ("wide_cuda", (30,), "torch.float32", 30),
    ],
)
def test_shape_dtype_and_elements(name, shape, dtype, n_shown):
    t = tensor(name)
    assert (t.shape, t.dtype, len(t.elements)) == (shape, dtype, n_shown)


def test_summarised_corners_get_python_style_indices():
    t = tensor("arange2000")
    assert [e.index for e in t.elements] == [(0,), (1,), (2,), (-3,), (-2,), (-1,)]
    assert [e.value for e in t.elements] == [0.0, 1.0, 2.0, 1997.0, 1998.0, 1999.0]
    assert t.shape_text() == "(>6,)"
    grid = tensor("ones100")
    assert grid.elements[0].index == (0, 0) and grid.elements[-1].index == (-1, -1)
    assert grid.shape_text() == "(>6, >6)"


def test_element_spans_point_at_the_printed_numbers():
    text = out("ones_3x4_changed")
    t = tensor("ones_3x4_changed")
    changed = next(e for e in t.elements if e.index == (1, 2))
    assert text[changed.start : changed.end] == "3.5000"
    assert changed.value == 3.5


def test_special_values():
    values = [e.value for e in tensor("nan_inf").elements]
    assert math.isnan(values[0]) and values[1:] == [math.inf, -math.inf, 1.5]
    assert [e.value for e in tensor("bool").elements] == [False, False, True, True]
    assert [e.value for e in tensor("sci").elements] == [1e-4, 1.0, 1e5]
    assert [e.value for e in tensor("complex_sci").elements] == [1.5 + 2j, -3e5 - 1j]
    assert [e.value for e in tensor("neg_zero").elements] == [-0.0, 1.0]
    assert [type(e.value) for e in tensor("int64").elements] == [int, int, int]


def test_printed_precision_gives_rounding_slack():
    assert tensor("thirds").elements[0].slack == pytest.approx(0.5e-4)
    assert tensor("sci").elements[2].slack == pytest.approx(0.5e-4 * 1e5)
    # `1.` means torch saw integers: exact.
    assert tensor("ones_3x4").elements[0].slack == 0.0


def test_suffixes_grad_and_device():
    t = tensor("grad_fn")
    assert (t.grad_fn, t.requires_grad, t.device, t.dtype) == (
        "MulBackward0",
        True,
        "cpu",
        "torch.float64",
    )
    leaf = tensor("requires_grad")
    assert (leaf.grad_fn, leaf.requires_grad) == (None, True)
    cuda = tensor("grad_fn_cuda")
    assert (cuda.device, cuda.dtype, cuda.grad_fn) == ("cuda:0", "torch.float64", "MulBackward0")
    assert tensor("wide_cuda").device == "cuda:0"  # wrapped onto its own line by torch
    assert tensor("empty_0x3_cuda").shape == (0, 3)
    assert tensor("detached").requires_grad is False


def test_text_around_tensors_is_tokenised():
    result = scan(out("mixed"))
    kinds = [(t.kind, t.text) for t in result.tokens if t.kind != "tensor"]
    assert kinds == [
        ("word", "x"),
        ("word", "="),
        ("word", "mean:"),
        ("float", "2.5"),
        ("size", "torch.Size([2, 3])"),
    ]
    multi = scan(out("max_return"))
    assert [t.kind for t in multi.tokens].count("tensor") == 2
    assert scan(out("parameter")).tokens[0].text == "Parameter"


def test_sizes():
    assert parse_size(out("size_3x4"), 0).dims == (3, 4)
    assert parse_size(out("size_scalar"), 0).dims == ()
    assert parse_size("torch.Size([3, 4)", 0) is None


@pytest.mark.parametrize(
    "text",
    [
        "tensor(",
        "tensor([",
        "tensor([1., 2.",
        "tensor([1., 2.]",
        "tensor([[1., 2.], [3.]])",  # ragged
        "tensor([1., , 2.])",
        "tensor([..., ...])",
        "tensor([[...]])",
        "tensor([1., 2.], dtype=)",
        "tensor(abc)",
        "tensor(-True)",
        "tensor([1e])",
        "tensor(" + "[" * 100 + "1." + "]" * 100 + ")",
        "tensor([1., 2.], grad_fn=<Mul",
        "tensor(1.)garbage" + "\x00\udcff",
    ],
)
def test_garbage_never_raises(text):
    result = parse_tensor(text, 0)
    if text.startswith("tensor(1.)garbage"):
        assert result is not None and result.end == len("tensor(1.)")
    else:
        assert result is None
    scan(text)  # must not raise either


def test_random_mutations_of_real_reprs_never_raise():
    rng = random.Random(1234)
    sources = [out(n) for n in ("ones100", "arange3d", "grad_fn_cuda", "complex_sci", "mixed")]
    alphabet = "[](),. .e-+0123456789naijtTF\n'=<>"
    for _ in range(3000):
        text = list(rng.choice(sources))
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(text))
            op = rng.random()
            if op < 0.4:
                del text[i]
            elif op < 0.8:
                text.insert(i, rng.choice(alphabet))
            else:
                text = text[:i]
                break
        s = "".join(text)
        result = scan(s)
        for token in result.tokens:
            assert s[token.start : token.end] == token.text
