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
from tutor.training.steps import AutogradStep, CNNStep, FCNStep, make_step

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


def _twins(make, channels_last):
    torch.manual_seed(0)
    ref = make()
    if channels_last:
        ref = ref.to(memory_format=torch.channels_last)
    ours = copy.deepcopy(ref)
    opt = torch.optim.SGD(ref.parameters(), lr=0.01, momentum=0.5, fused=True)
    return ref, ours, opt


def _batch_indices(n, sizes):
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(1))
    start = 0
    for size in sizes:
        yield perm[start : start + size]
        start += size


@pytest.mark.parametrize("name", ["fcn", "cnn"])
def test_hand_written_step_follows_autograd_and_sgd(digits, name):
    channels_last = name == "cnn"
    x, y = digits
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    ref, ours, opt = _twins(FCN if name == "fcn" else CNN, channels_last)
    step = make_step(ours, 0.01, 0.5, CPU)
    assert isinstance(step, FCNStep if name == "fcn" else CNNStep)
    step.load(x, y)
    # 30 full batches, then a short last batch (like an epoch's tail) and more full ones.
    for idx in _batch_indices(len(y), [64] * 30 + [8] + [64] * 5):
        ref_out, ref_loss = _autograd_step(ref, opt, x.index_select(0, idx), y.index_select(0, idx))
        out, loss, labels = step(idx)
        assert torch.equal(labels, y.index_select(0, idx))
        torch.testing.assert_close(out, ref_out, rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(loss, ref_loss, rtol=1e-5, atol=1e-6)
    step.publish()
    # The weights moved (training happened) and both trainings arrived at the same place.
    start = _twins(FCN if name == "fcn" else CNN, channels_last)[0]
    assert any((p - q).abs().max() > 1e-3 for p, q in zip(ours.parameters(), start.parameters(), strict=True))
    for (key, p), q in zip(ours.state_dict().items(), ref.state_dict().values(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6, msg=lambda m, k=key: f"{k}: {m}")


def test_fcn_step_skips_blank_columns_and_still_matches_autograd(digits):
    x, y = digits
    torch.manual_seed(0)
    model = FCN()
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
    for got, want in zip(step.gradients(), expected, strict=True):
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
    step.publish()
    for p, q in zip(model.parameters(), before, strict=True):  # lr 0: nothing moves, publish included
        assert torch.equal(p.detach(), q)


def test_fcn_step_handles_images_with_no_blank_pixels_and_a_blank_batch():
    torch.manual_seed(0)
    model = FCN()
    ref = copy.deepcopy(model)
    opt = torch.optim.SGD(ref.parameters(), lr=0.01, momentum=0.5)
    x = torch.rand(6, 1, 28, 28) + 1.0  # no pixel sits at the minimum except one
    x[0].fill_(0.5)  # a wholly blank image (every pixel at the minimum)
    y = torch.arange(6) % 10
    step = FCNStep([model.l1, model.l2, model.l3, model.l4, model.l5], lr=0.01, momentum=0.5)
    step.load(x, y)
    assert int(step.extent[0]) == 0 and int(step.extent[1:].min()) == 784
    for idx in (torch.tensor([0]), torch.tensor([1, 2, 0]), torch.tensor([3, 4, 5])):
        ref_out, _ = _autograd_step(ref, opt, x.index_select(0, idx), y.index_select(0, idx))
        out, _, _ = step(idx)
        torch.testing.assert_close(out, ref_out, rtol=1e-5, atol=1e-5)
    step.publish()
    for p, q in zip(model.parameters(), ref.parameters(), strict=True):
        torch.testing.assert_close(p.detach(), q.detach(), rtol=1e-5, atol=1e-6)


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
    assert isinstance(make_step(notes_class(NOTES_FCN)(), 0.01, 0.5, CPU), AutogradStep)  # a learner's class
    assert isinstance(make_step(FCN(), 0.01, 0.5, torch.device("meta")), AutogradStep)
