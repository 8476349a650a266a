"""Provides the training steps: autograd's for any model, and hand-written ones for the notes' FCN and CNN on the CPU."""

from __future__ import annotations

from typing import Protocol

import torch
from torch import nn

from tutor.training import aten_private as ops
from tutor.training.models import CNN, FCN


class Step(Protocol):
    """One optimiser step per call on a batch of the training set that ``load`` was given.

    ``publish()`` makes the model's own parameters current (a step may train a reordered copy); the
    trainer calls it before it evaluates or saves the model.
    """

    def load(self, x: torch.Tensor, y: torch.Tensor) -> None: ...

    def __call__(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Train on the samples at ``idx``; returns (logits, mean loss, labels), detached from any graph."""
        ...

    def publish(self) -> None: ...


class AutogradStep:
    """The notes' loop: forward, ``F.cross_entropy``, ``backward()`` and torch's SGD with momentum."""

    def __init__(self, model: nn.Module, lr: float, momentum: float, device: torch.device) -> None:
        self.model = model
        fused = device.type in ("cpu", "cuda")
        self.opt = torch.optim.SGD(
            model.parameters(), lr=lr, momentum=momentum, fused=fused or None
        )

    def load(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.x, self.y = x, y

    def __call__(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        xb, yb = self.x.index_select(0, idx), self.y.index_select(0, idx)
        out = self.model(xb)
        loss = nn.functional.cross_entropy(out, yb)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return out.detach(), loss.detach(), yb

    def publish(self) -> None:
        pass  # the model's parameters are the ones trained


class FCNStep:
    """One SGD-with-momentum step of an FCN (any stack of Linear layers with ReLU between them).

    Computes what autograd computes for ``F.cross_entropy(model(x), y)`` followed by
    ``torch.optim.SGD(..., momentum=m).step()`` (log-softmax and NLL backward, addmm backward, ReLU
    as threshold_backward, the fused SGD kernel), but into buffers kept between steps, so a step
    makes no autograd graph and allocates almost nothing.

    Layer 1 skips blank pixels. ``load`` orders the pixel columns by how many images have ink there
    (a blank pixel holds the set's smallest value: what an empty pixel becomes after normalising), and
    notes each image's last inked column in that order. A batch then multiplies only the columns up to
    its furthest one (about 610 of 784 for MNIST batches of 64); the blank columns beyond it add a
    constant ``blank · Σ w`` to layer 1's output and ``blank · Σ δ`` to their weight gradients, which
    is exact algebra, so the results agree with autograd's to float rounding (tests/test_training_steps.py).
    Layer 1's weight is trained in that column order and written back in pixel order by ``publish``.
    """

    def __init__(self, layers: list[nn.Linear], lr: float, momentum: float) -> None:
        self.layers = layers
        self.lr, self.momentum = lr, momentum
        self.weights = [layer.weight.detach() for layer in layers]
        self.biases = [layer.bias.detach() for layer in layers]
        self.grads = [torch.empty_like(p) for layer in layers for p in (layer.weight, layer.bias)]
        # torch's SGD keeps no momentum buffers (and its fused kernel takes none) when momentum is 0
        self.momentum_buffers = [torch.empty_like(g) for g in self.grads] if momentum else []
        self.first = True
        self.one = self.weights[0].new_ones(())  # d(loss)/d(loss), kept rather than made each step
        self._acts: dict[int, list[torch.Tensor]] = {}  # per batch size: the outputs of each layer
        self._deltas: dict[
            int, list[torch.Tensor]
        ] = {}  # per batch size: the gradients w.r.t. them

    @property
    def params(self) -> list[torch.Tensor]:
        return [p for pair in zip(self.weights, self.biases, strict=True) for p in pair]

    def load(self, x: torch.Tensor, y: torch.Tensor) -> None:
        x = x.reshape(x.shape[0], -1)
        self.blank = x.min().item() if x.numel() else 0.0
        inked = x != self.blank
        self.order = torch.argsort(inked.sum(0), descending=True, stable=True)
        self.rank = torch.argsort(self.order)
        self.x, self.y = x.index_select(1, self.order), y
        # each image's extent: 1 + the position of its last inked column in the new order (0: blank)
        positions = torch.arange(1, x.shape[1] + 1, dtype=torch.int32)
        self.extent = (
            torch.cat(
                [
                    (chunk.index_select(1, self.order) * positions).amax(1)
                    for chunk in inked.split(8192)
                ]
            )
            if len(x)
            else torch.zeros(0, dtype=torch.int32)
        )
        self.weights[0] = self.layers[0].weight.detach().index_select(1, self.order)
        self.grads[0] = torch.empty_like(self.weights[0])

    def publish(self) -> None:
        with torch.no_grad():
            self.layers[0].weight.copy_(self.weights[0].index_select(1, self.rank))

    def _buffers(self, n: int) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        if n not in self._acts:
            w = self.weights[0]
            self._acts[n] = [w.new_empty(n, weight.shape[0]) for weight in self.weights]
            self._deltas[n] = [w.new_empty(n, weight.shape[0]) for weight in self.weights]
        return self._acts[n], self._deltas[n]

    @torch.no_grad()
    def __call__(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Train on one batch. The logits live in a buffer the next call reuses."""
        x, y = self.x.index_select(0, idx), self.y.index_select(0, idx)
        k = int(self.extent.index_select(0, idx).max()) if len(idx) else 0
        n, last = x.shape[0], len(self.layers) - 1
        acts, deltas = self._buffers(n)
        w1, b1 = self.weights[0], self.biases[0]
        xk = x[:, :k]
        blank_cols = w1.shape[1] - k
        bias1 = torch.add(b1, w1[:, k:].sum(1), alpha=self.blank) if blank_cols else b1
        torch.addmm(bias1, xk, w1[:, :k].t(), out=acts[0])
        inp = acts[0]
        for i in range(1, last + 1):
            inp.relu_()
            torch.addmm(self.biases[i], inp, self.weights[i].t(), out=acts[i])
            inp = acts[i]
        logits = acts[last]
        logp = torch.log_softmax(logits, 1)
        loss, total_weight = ops.nll_mean(logp, y)
        grad_logp = ops.nll_mean_backward(self.one, logp, y, total_weight)
        ops.log_softmax_backward(grad_logp, logp, out=deltas[last])
        for i in range(last, 0, -1):
            d = deltas[i]
            torch.mm(d.t(), acts[i - 1], out=self.grads[2 * i])
            torch.sum(d, 0, out=self.grads[2 * i + 1])
            torch.mm(d, self.weights[i], out=deltas[i - 1])
            ops.relu_backward(deltas[i - 1], acts[i - 1], out=deltas[i - 1])
        g1, gb1 = self.grads[0], self.grads[1]
        torch.sum(deltas[0], 0, out=gb1)
        torch.mm(deltas[0].t(), xk, out=g1[:, :k])
        if blank_cols:
            g1[:, k:].copy_(torch.mul(gb1, self.blank)[:, None].expand(-1, blank_cols))
        ops.fused_sgd(
            self.params, self.grads, self.momentum_buffers, self.lr, self.momentum, self.first
        )
        self.first = False
        return logits, loss, y


def _batch_inside_channels(t: torch.Tensor) -> torch.Tensor:
    """N×C×H×W → a 1×(N·C)×H×W channels_last copy: memory H, W, N, C, so a pool vectorises over N·C."""
    n, c, h, w = t.shape
    out = torch.empty(1, n * c, h, w, dtype=t.dtype, memory_format=torch.channels_last)
    out.permute(0, 2, 3, 1).view(h, w, n, c).copy_(t.permute(2, 3, 0, 1))
    return out


def _batch_outside_channels(t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """The inverse of _batch_inside_channels: an N×C×H×W tensor in ``like``'s memory format."""
    n, c = like.shape[:2]
    h, w = t.shape[2:]
    layout = (
        torch.channels_last
        if like.is_contiguous(memory_format=torch.channels_last)
        else torch.contiguous_format
    )
    return (
        t.permute(0, 2, 3, 1).view(h, w, n, c).permute(2, 3, 0, 1).contiguous(memory_format=layout)
    )


class CNNStep:
    """One SGD-with-momentum step of the notes' CNN (tutor.training.models.CNN), autograd's ops called directly.

    The same kernels autograd calls for that model's forward (max-pool before ReLU) and backward, in
    the same order, without building a graph; parameters updated in place by the fused SGD kernel.
    The first max-pool runs on a copy of conv1's output with the batch moved inside the channels:
    ATen's channels_last pool vectorises over channels, and 10 channels fill no AVX vector, while
    640 do (140 → ~100 µs with the copies, same values and indices).
    """

    def __init__(self, model: nn.Module, lr: float, momentum: float) -> None:
        self.lr, self.momentum = lr, momentum
        self.params = [
            p.detach()
            for p in (
                model.conv1.weight,
                model.conv1.bias,
                model.conv2.weight,
                model.conv2.bias,
                model.fc.weight,
                model.fc.bias,
            )
        ]
        # torch's SGD keeps no momentum buffers (and its fused kernel takes none) when momentum is 0
        self.momentum_buffers = [torch.empty_like(p) for p in self.params] if momentum else []
        self.first = True
        self.one = self.params[0].new_ones(())  # d(loss)/d(loss), kept rather than made each step

    def load(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.x, self.y = x, y

    def publish(self) -> None:
        pass  # the model's parameters are the ones trained

    @torch.no_grad()
    def __call__(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Train on one batch."""
        x, y = self.x.index_select(0, idx), self.y.index_select(0, idx)
        w1, b1, w2, b2, wf, bf = self.params
        c1 = ops.conv2d(x, w1, b1)
        pooled, where = ops.max_pool2(_batch_inside_channels(c1))
        r1 = _batch_outside_channels(pooled, c1).relu_()
        i1 = _batch_outside_channels(where, c1)
        c2 = ops.conv2d(r1, w2, b2)
        p2, i2 = ops.max_pool2(c2)
        r2 = p2.relu_()
        f = torch.flatten(r2, 1)
        logits = torch.addmm(bf, f, wf.t())
        logp = torch.log_softmax(logits, 1)
        loss, total_weight = ops.nll_mean(logp, y)
        grad_logp = ops.nll_mean_backward(self.one, logp, y, total_weight)
        g = ops.log_softmax_backward(grad_logp, logp)
        gwf = torch.mm(g.t(), f)
        gbf = g.sum(0)
        # ReLU backward against f (r2's values, flattened like mm's output) rather than r2: a
        # channels_last r2 against the row-major gradient walks mismatched strides. Same values, same
        # result bit for bit; then into c2's layout, as the pool backward would convert it.
        gp2 = ops.relu_backward(torch.mm(g, wf), f).view(r2.shape)
        if c2.is_contiguous(memory_format=torch.channels_last):
            gp2 = gp2.contiguous(memory_format=torch.channels_last)
        gc2 = ops.max_pool2_backward(gp2, c2, i2)
        gr1, gw2, gb2 = ops.conv2d_backward(gc2, r1, w2, need_input=True)
        gp1 = ops.relu_backward(gr1, r1)
        gc1 = ops.max_pool2_backward(gp1, c1, i1)
        _, gw1, gb1 = ops.conv2d_backward(gc1, x, w1, need_input=False)
        grads = [gw1, gb1, gw2, gb2, gwf, gbf]
        ops.fused_sgd(self.params, grads, self.momentum_buffers, self.lr, self.momentum, self.first)
        self.first = False
        return logits, loss, y


def make_step(model: nn.Module, lr: float, momentum: float, device: torch.device) -> Step:
    """The hand-written step for the notes' FCN or CNN on the CPU (where it was measured); autograd for anything else.

    The hand-written steps call private ATen operators (tutor.training.aten_private); where this
    torch fails their self-test, the notes' FCN and CNN train through autograd, and ``fallback_note``
    says why.
    """
    if device.type == "cpu" and type(model) in (FCN, CNN) and ops.fast_steps_available() is None:
        if type(model) is FCN:
            return FCNStep([model.l1, model.l2, model.l3, model.l4, model.l5], lr, momentum)
        return CNNStep(model, lr, momentum)
    return AutogradStep(model, lr, momentum, device)


def fallback_note(model: nn.Module, device: torch.device) -> str | None:
    """Why the notes' FCN or CNN on the CPU trains through autograd rather than its fast step, or None."""
    if device.type != "cpu" or type(model) not in (FCN, CNN):
        return None
    why = ops.fast_steps_available()
    return f"fast training steps off ({why}); training through autograd" if why else None
