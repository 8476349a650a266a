"""Tests the training steps: the hand-written FCN and CNN steps against autograd plus torch.optim.SGD, on real digits from the sample."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from test_training_support import NOTES_FCN, notes_class

from tutor.training.loop import to_tensors
from tutor.training.models import CNN, FCN
from tutor.training.sources import load_plan
from tutor.training.steps import AutogradStep, CNNStep, FCNStep, fallback_note, make_step

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def digits():
    x, y = to_tensors(load_plan().train, CPU, channels_last=False)
    return x, y


def _autograd_step(model, opt, x, y):
    out = model(x)
    loss = F.cross_entropy(out, y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return out.detach(), loss.detach()


def _twins(make, channels_last, dtype=torch.float32):
    torch.manual_seed(0)
    ref = make().to(dtype)
    if channels_last:
        ref = ref.to(memory_format=torch.channels_last)
    ours = copy.deepcopy(ref)
    # fused SGD is what the hand-written steps call; float64 runs take the plain loop (same update rule)
    fused = dtype == torch.float32
    opt = torch.optim.SGD(
        ref.parameters(), lr=0.01, momentum=0.5, fused=fused or None, foreach=False
    )
    return ref, ours, opt


# One rounding error is at most this fraction of the value rounded.
EPS = {torch.float32: torch.finfo(torch.float32).eps, torch.float64: torch.finfo(torch.float64).eps}


def _assert_rounding_close(what, ours, ref, exact=None):
    """``ours`` and ``ref`` compute the same sums in different orders; they may differ by rounding only.

    Without ``exact``: both are float64 and the bound is a few roundings of the largest value per
    step of accumulation (the callers' trajectories are short). With ``exact`` (a float64 result of
    the same computation): ``ours`` is float32 and may stray from it at most 4 times as far as float32
    autograd (``ref``) does, plus a few roundings of the largest value. Each summation order's error is
    bounded by the same γ_n·Σ|terms|, so the two errors are of one size, but no order is always the
    better one: ATen's blocking differs between AVX-512, AVX2 and the default kernels and between
    thread counts.
    """
    ours, ref = ours.detach().double(), ref.detach().double()
    if exact is None:
        error, bound = (
            (ours - ref).abs().max().item(),
            64 * EPS[torch.float64] * ref.abs().max().item(),
        )
    else:
        ref_error = (ref - exact).abs().max().item()
        error = (ours - exact).abs().max().item()
        bound = 4 * ref_error + 8 * EPS[torch.float32] * exact.abs().max().item()
    assert error <= bound, f"{what}: differs by {error:.3g} > {bound:.3g}"


def _batch_indices(n, sizes):
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(1))
    start = 0
    for size in sizes:
        yield perm[start : start + size]
        start += size


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("name", ["fcn", "cnn"])
def test_hand_written_step_follows_autograd_and_sgd(digits, name, threads):
    # The whole trajectory runs in float64: in float32 a ReLU whose input lies within rounding of 0
    # can switch on in one run and off in the other, after which two correct trainings part ways
    # (seen at step 35 with AVX2 kernels). float64 leaves no such ties, so 36 steps must agree to
    # rounding; float32's kernels are compared one step at a time below.
    channels_last = name == "cnn"
    x, y = digits
    x = x.double()
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    make = FCN if name == "fcn" else CNN
    ref, ours, opt = _twins(make, channels_last, torch.float64)
    step = make_step(ours, 0.01, 0.5, CPU)
    assert isinstance(step, FCNStep if name == "fcn" else CNNStep)
    step.load(x, y)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        # 30 full batches, then a short last batch (like an epoch's tail) and more full ones.
        for idx in _batch_indices(len(y), [64] * 30 + [8] + [64] * 5):
            ref_out, ref_loss = _autograd_step(
                ref, opt, x.index_select(0, idx), y.index_select(0, idx)
            )
            out, loss, labels = step(idx)
            assert torch.equal(labels, y.index_select(0, idx))
            _assert_rounding_close("logits", out, ref_out)
            _assert_rounding_close("loss", loss, ref_loss)
        step.publish()
    finally:
        torch.set_num_threads(before)
    # The weights moved (training happened) and both trainings arrived at the same place.
    start = _twins(make, channels_last, torch.float64)[0]
    assert any(
        (p - q).abs().max() > 1e-3
        for p, q in zip(ours.parameters(), start.parameters(), strict=True)
    )
    for (key, p), q in zip(ours.state_dict().items(), ref.state_dict().values(), strict=True):
        _assert_rounding_close(key, p, q)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("name", ["fcn", "cnn"])
def test_float32_step_rounds_like_autograd(digits, name, threads):
    """One float32 step from the same weights: logits, loss and new weights as close to the float64
    result as float32 autograd's are (the kernels, blank columns and pooling trick, in float32)."""
    channels_last = name == "cnn"
    x, y = digits
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    make = FCN if name == "fcn" else CNN
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        for idx in _batch_indices(
            len(y), [64, 8]
        ):  # a full batch, then a short one (fewer columns)
            ref, ours, opt = _twins(make, channels_last)
            exact = copy.deepcopy(ref).double()
            exact_opt = torch.optim.SGD(exact.parameters(), lr=0.01, momentum=0.5, foreach=False)
            step = make_step(ours, 0.01, 0.5, CPU)
            step.load(x, y)
            xb, yb = x.index_select(0, idx), y.index_select(0, idx)
            ref_out, ref_loss = _autograd_step(ref, opt, xb, yb)
            exact_out, exact_loss = _autograd_step(exact, exact_opt, xb.double(), yb)
            out, loss, _ = step(idx)
            _assert_rounding_close("logits", out, ref_out, exact_out)
            _assert_rounding_close("loss", loss, ref_loss, exact_loss)
            step.publish()
            for (key, p), q, e in zip(
                ours.state_dict().items(),
                ref.state_dict().values(),
                exact.state_dict().values(),
                strict=True,
            ):
                _assert_rounding_close(key, p, q, e)
    finally:
        torch.set_num_threads(before)


def test_fcn_step_skips_blank_columns_and_still_matches_autograd(digits):
    x, y = digits
    x = x.double()  # exact algebra in float64: what is left is rounding
    torch.manual_seed(0)
    model = FCN().double()
    step = FCNStep([model.l1, model.l2, model.l3, model.l4, model.l5], lr=0.0, momentum=0.0)
    step.load(x, y)
    flat = x.reshape(len(x), -1)
    assert step.blank == flat.min().item()  # an empty pixel, normalised
    # Columns come ink-most first, and every image is blank beyond its extent: that is what lets a
    # batch multiply fewer columns.
    inked = (flat != step.blank).sum(0)[step.order]
    assert bool((inked[:-1] >= inked[1:]).all())
    for i in range(0, len(x), 97):
        assert bool((step.x[i, int(step.extent[i]) :] == step.blank).all())
        assert int(step.extent[i]) == 0 or step.x[i, int(step.extent[i]) - 1] != step.blank
    idx = next(_batch_indices(len(y), [64]))
    columns = int(step.extent[idx].max())
    assert 0 < columns < 784  # MNIST batches leave some columns blank
    xb, yb = x.index_select(0, idx), y.index_select(0, idx)
    F.cross_entropy(model(xb), yb).backward()
    expected = [p.grad.clone() for p in model.parameters()]
    before = [p.detach().clone() for p in model.parameters()]
    step(idx)
    # The step trains layer 1's weight with its columns in ink order; rank puts them back.
    grads = [step.grads[0].index_select(1, step.rank), *step.grads[1:]]
    for got, want in zip(grads, expected, strict=True):
        _assert_rounding_close("gradient", got, want)
    step.publish()
    for p, q in zip(
        model.parameters(), before, strict=True
    ):  # lr 0: nothing moves, publish included
        assert torch.equal(p.detach(), q)


def test_fcn_step_handles_images_with_no_blank_pixels_and_a_blank_batch():
    torch.manual_seed(0)
    model = FCN().double()  # exact algebra in float64: what is left is rounding
    ref = copy.deepcopy(model)
    opt = torch.optim.SGD(ref.parameters(), lr=0.01, momentum=0.5)
    x = (
        torch.rand(6, 1, 28, 28, dtype=torch.float64) + 1.0
    )  # no pixel sits at the minimum except one
    x[0].fill_(0.5)  # a wholly blank image (every pixel at the minimum)
    y = torch.arange(6) % 10
    step = FCNStep([model.l1, model.l2, model.l3, model.l4, model.l5], lr=0.01, momentum=0.5)
    step.load(x, y)
    assert int(step.extent[0]) == 0 and int(step.extent[1:].min()) == 784
    for idx in (torch.tensor([0]), torch.tensor([1, 2, 0]), torch.tensor([3, 4, 5])):
        ref_out, _ = _autograd_step(ref, opt, x.index_select(0, idx), y.index_select(0, idx))
        out, _, _ = step(idx)
        _assert_rounding_close("logits", out, ref_out)
    step.publish()
    for p, q in zip(model.parameters(), ref.parameters(), strict=True):
        _assert_rounding_close("weight", p, q)


def test_cnn_step_pools_exactly_like_autograd(digits):
    # The first pool runs with the batch inside the channels; ties (blank background) must still
    # pick the first maximum, so the weights stay bit-identical to autograd's at one thread count.
    x, y = digits
    x = x.contiguous(memory_format=torch.channels_last)
    ref, ours, opt = _twins(CNN, True)
    step = make_step(ours, 0.01, 0.5, CPU)
    step.load(x, y)
    for idx in _batch_indices(len(y), [64] * 5):
        _autograd_step(ref, opt, x.index_select(0, idx), y.index_select(0, idx))
        step(idx)
    for p, q in zip(ours.parameters(), ref.parameters(), strict=True):
        assert torch.equal(p.detach(), q.detach())


def test_other_models_and_devices_keep_autograd():
    assert isinstance(
        make_step(notes_class(NOTES_FCN)(), 0.01, 0.5, CPU), AutogradStep
    )  # a learner's class
    assert isinstance(make_step(FCN(), 0.01, 0.5, torch.device("meta")), AutogradStep)


def test_fast_steps_fall_back_to_autograd_when_a_private_operator_changes(monkeypatch):
    from tutor.training import aten_private

    model = FCN()
    assert aten_private.fast_steps_available() is None  # this torch: the self-test passes
    assert isinstance(make_step(model, 0.01, 0.5, CPU), FCNStep)
    assert fallback_note(model, CPU) is None
    # A torch release that renames the fused SGD kernel: the self-test catches it, training goes on
    monkeypatch.delattr(torch, "_fused_sgd_")
    aten_private.fast_steps_available.cache_clear()
    try:
        why = aten_private.fast_steps_available()
        assert why is not None and "_fused_sgd_" in why
        for make in (FCN, CNN):
            assert isinstance(make_step(make(), 0.01, 0.5, CPU), AutogradStep)
            assert "through autograd" in fallback_note(make(), CPU)
    finally:
        monkeypatch.undo()
        aten_private.fast_steps_available.cache_clear()


def test_fast_steps_self_test_catches_a_wrong_result(monkeypatch):
    from tutor.training import aten_private

    # an operator that still exists but now computes something else (here: ReLU's backward ignores the mask)
    monkeypatch.setattr(
        aten_private,
        "relu_backward",
        lambda grad, act, out=None: grad if out is None else out.copy_(grad),
    )
    aten_private.fast_steps_available.cache_clear()
    try:
        assert "differs from autograd" in aten_private.fast_steps_available()
    finally:
        monkeypatch.undo()
        aten_private.fast_steps_available.cache_clear()
