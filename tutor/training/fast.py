"""Provides hand-written training steps for the notes' FCN and CNN: autograd's math without its per-step overhead."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from tutor.training.models import CNN, FCN

_aten = torch.ops.aten


class FCNStep:
    """One SGD-with-momentum step of an FCN (any stack of Linear layers with ReLU between them).

    Computes the same operations autograd runs for ``F.cross_entropy(model(x), y)`` followed by
    ``torch.optim.SGD(..., momentum=m).step()`` (log-softmax and NLL backward, addmm backward, ReLU
    as threshold_backward, the fused SGD kernel), but into buffers kept between steps, so a step
    makes no autograd graph and allocates almost nothing. Gradients agree with autograd to float
    rounding (tests/test_training_fast.py); the model's parameters and state_dict are untouched.
    """

    def __init__(self, layers: list[nn.Linear], lr: float, momentum: float) -> None:
        self.layers = layers
        self.lr, self.momentum = lr, momentum
        self.weights = [layer.weight for layer in layers]
        self.biases = [layer.bias for layer in layers]
        self.params = [p for layer in layers for p in (layer.weight, layer.bias)]
        self.grads = [torch.empty_like(p) for p in self.params]
        # torch's SGD keeps no momentum buffers (and its fused kernel takes none) when momentum is 0
        self.momentum_buffers = [torch.empty_like(p) for p in self.params] if momentum else []
        self.first = True
        self.one = self.weights[0].new_ones(())  # d(loss)/d(loss), kept rather than made each step
        self._acts: dict[int, list[torch.Tensor]] = {}  # per batch size: the outputs of each layer
        self._deltas: dict[int, list[torch.Tensor]] = {}  # per batch size: the gradients w.r.t. them

    def _buffers(self, n: int) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        if n not in self._acts:
            w = self.weights[0]
            self._acts[n] = [w.new_empty(n, weight.shape[0]) for weight in self.weights]
            self._deltas[n] = [w.new_empty(n, weight.shape[0]) for weight in self.weights]
        return self._acts[n], self._deltas[n]

    @torch.no_grad()
    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Train on one batch; returns (logits, mean loss). The logits live in a buffer the next call reuses."""
        x = x.reshape(x.shape[0], -1)
        n, last = x.shape[0], len(self.layers) - 1
        acts, deltas = self._buffers(n)
        inp = x
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            torch.addmm(b, inp, w.t(), out=acts[i])
            if i < last:
                acts[i].relu_()
            inp = acts[i]
        logits = acts[last]
        logp = torch.log_softmax(logits, 1)
        loss, total_weight = _aten.nll_loss_forward(logp, y, None, 1, -100)  # 1: reduction "mean"
        grad_logp = _aten.nll_loss_backward(self.one, logp, y, None, 1, -100, total_weight)
        _aten._log_softmax_backward_data.out(grad_logp, logp, 1, logp.dtype, out=deltas[last])
        for i in range(last, -1, -1):
            d = deltas[i]
            below = acts[i - 1] if i else x
            torch.mm(d.t(), below, out=self.grads[2 * i])
            torch.sum(d, 0, out=self.grads[2 * i + 1])
            if i:
                torch.mm(d, self.weights[i], out=deltas[i - 1])
                _aten.threshold_backward.grad_input(deltas[i - 1], acts[i - 1], 0, grad_input=deltas[i - 1])
        torch._fused_sgd_(
            self.params, self.grads, self.momentum_buffers, weight_decay=0.0, momentum=self.momentum,
            lr=self.lr, dampening=0.0, nesterov=False, maximize=False, is_first_step=self.first,
        )
        self.first = False
        return logits, loss


class CNNStep:
    """One SGD-with-momentum step of the notes' CNN (tutor.training.models.CNN), autograd's ops called directly.

    The same kernels autograd calls for that model's forward (max-pool before ReLU) and backward, in
    the same order, without building a graph; parameters updated in place by the fused SGD kernel.
    """

    def __init__(self, model: nn.Module, lr: float, momentum: float) -> None:
        self.lr, self.momentum = lr, momentum
        self.params = [model.conv1.weight, model.conv1.bias, model.conv2.weight, model.conv2.bias,
                       model.fc.weight, model.fc.bias]
        # torch's SGD keeps no momentum buffers (and its fused kernel takes none) when momentum is 0
        self.momentum_buffers = [torch.empty_like(p) for p in self.params] if momentum else []
        self.first = True
        self.one = self.params[0].new_ones(())  # d(loss)/d(loss), kept rather than made each step

    @torch.no_grad()
    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Train on one batch; returns (logits, mean loss)."""
        w1, b1, w2, b2, wf, bf = self.params
        one, zero = [1, 1], [0, 0]
        c1 = _aten.convolution(x, w1, b1, one, zero, one, False, zero, 1)
        p1, i1 = _aten.max_pool2d_with_indices(c1, [2, 2], [2, 2])
        r1 = p1.relu_()
        c2 = _aten.convolution(r1, w2, b2, one, zero, one, False, zero, 1)
        p2, i2 = _aten.max_pool2d_with_indices(c2, [2, 2], [2, 2])
        r2 = p2.relu_()
        f = torch.flatten(r2, 1)
        logits = torch.addmm(bf, f, wf.t())
        logp = torch.log_softmax(logits, 1)
        loss, total_weight = _aten.nll_loss_forward(logp, y, None, 1, -100)
        grad_logp = _aten.nll_loss_backward(self.one, logp, y, None, 1, -100, total_weight)
        g = _aten._log_softmax_backward_data(grad_logp, logp, 1, logp.dtype)
        gwf = torch.mm(g.t(), f)
        gbf = g.sum(0)
        # ReLU backward against f (r2's values, flattened like mm's output) rather than r2: a
        # channels_last r2 against the row-major gradient walks mismatched strides. Same values, same
        # result bit for bit; then into c2's layout, as the pool backward would convert it.
        gp2 = _aten.threshold_backward(torch.mm(g, wf), f, 0).view(r2.shape)
        if c2.is_contiguous(memory_format=torch.channels_last):
            gp2 = gp2.contiguous(memory_format=torch.channels_last)
        gc2 = _aten.max_pool2d_with_indices_backward(gp2, c2, [2, 2], [2, 2], zero, one, False, i2)
        gr1, gw2, gb2 = _aten.convolution_backward(gc2, r1, w2, [w2.shape[0]], one, zero, one, False, zero, 1,
                                                   [True, True, True])
        gp1 = _aten.threshold_backward(gr1, r1, 0)
        gc1 = _aten.max_pool2d_with_indices_backward(gp1, c1, [2, 2], [2, 2], zero, one, False, i1)
        _, gw1, gb1 = _aten.convolution_backward(gc1, x, w1, [w1.shape[0]], one, zero, one, False, zero, 1,
                                                 [False, True, True])
        torch._fused_sgd_(
            self.params, [gw1, gb1, gw2, gb2, gwf, gbf], self.momentum_buffers, weight_decay=0.0,
            momentum=self.momentum, lr=self.lr, dampening=0.0, nesterov=False, maximize=False,
            is_first_step=self.first,
        )
        self.first = False
        return logits, loss


StepFn = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


def fast_step(model: nn.Module, lr: float, momentum: float, device: torch.device) -> StepFn | None:
    """The hand-written step for the notes' FCN or CNN on the CPU (where it was measured); None for anything else."""
    if device.type != "cpu":
        return None
    if type(model) is FCN:
        return FCNStep([model.l1, model.l2, model.l3, model.l4, model.l5], lr, momentum)
    if type(model) is CNN:
        return CNNStep(model, lr, momentum)
    return None
