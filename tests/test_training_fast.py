"""Tests the hand-written FCN and CNN steps against autograd plus torch.optim.SGD, on real digits from the sample."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from test_training_support import NOTES_FCN, notes_class

from tutor.training.fast import CNNStep, FCNStep, fast_step
from tutor.training.loop import to_tensors
from tutor.training.models import CNN, FCN
from tutor.training.sources import load_plan

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


def _batches(x, y, channels_last, sizes):
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(1))
    start = 0
    for size in sizes:
        idx = perm[start : start + size]
        start += size
        yield x.index_select(0, idx), y.index_select(0, idx)


@pytest.mark.parametrize("name", ["fcn", "cnn"])
def test_fast_step_follows_autograd_and_sgd(digits, name):
    channels_last = name == "cnn"
    ref, ours, opt = _twins(FCN if name == "fcn" else CNN, channels_last)
    step = fast_step(ours, 0.01, 0.5, CPU)
    assert isinstance(step, FCNStep if name == "fcn" else CNNStep)
    # 30 full batches, then a short last batch (like an epoch's tail) and more full ones.
    sizes = [64] * 30 + [8] + [64] * 5
    for xb, yb in _batches(*digits, channels_last, sizes):
        ref_out, ref_loss = _autograd_step(ref, opt, xb, yb)
        out, loss = step(xb, yb)
        torch.testing.assert_close(out, ref_out, rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(loss, ref_loss, rtol=1e-5, atol=1e-6)
    # The weights moved (training happened) and both trainings arrived at the same place.
    start = _twins(FCN if name == "fcn" else CNN, channels_last)[0]
    assert any((p - q).abs().max() > 1e-3 for p, q in zip(ours.parameters(), start.parameters(), strict=True))
    for (key, p), q in zip(ours.state_dict().items(), ref.state_dict().values(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6, msg=lambda m, k=key: f"{k}: {m}")


def test_fcn_step_gradients_match_autograd(digits):
    torch.manual_seed(0)
    model = FCN()
    x, y = next(_batches(*digits, False, [64]))
    F.cross_entropy(model(x), y).backward()
    expected = [p.grad.clone() for p in model.parameters()]
    step = FCNStep([model.l1, model.l2, model.l3, model.l4, model.l5], lr=0.0, momentum=0.0)
    before = [p.detach().clone() for p in model.parameters()]
    step(x, y)
    for got, want in zip(step.grads, expected, strict=True):
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-7)
    for p, q in zip(model.parameters(), before, strict=True):  # lr 0: nothing moves
        assert torch.equal(p.detach(), q)


def test_other_models_and_devices_keep_autograd():
    assert fast_step(notes_class(NOTES_FCN)(), 0.01, 0.5, CPU) is None  # a learner's class
    assert fast_step(FCN(), 0.01, 0.5, torch.device("meta")) is None
