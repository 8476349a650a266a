"""Provides the private ATen entry points the hand-written training steps call, and the self-test that guards them.

Why they exist: the notes' FCN and CNN train 3-4x faster on a CPU when a step calls the kernels that
autograd would call (log-softmax and NLL backward, ReLU as ``threshold_backward``, the convolution
and max-pool backward ops, the fused SGD kernel) straight into buffers kept between steps, with no
graph (docs/performance.md). These are torch's internal operator signatures, not its public API: a
release may rename one, change its arguments or drop it.

So nothing outside this module names them, and ``fast_steps_available()`` proves them once per
process: one float64 step of each hand-written step against autograd plus ``torch.optim.SGD`` on a
few random images. If anything is missing, raises or disagrees, training falls back to the autograd
step (the notes' loop) and says why in the run's output.

How to drop them: make ``tutor.training.steps.make_step`` always return ``AutogradStep`` and delete
this module with ``FCNStep``/``CNNStep``; everything else trains through the same interface.
"""

from __future__ import annotations

import copy
import functools

import torch
from torch import nn

_aten = torch.ops.aten

# nll_loss's reduction argument: ATen's enum (0 none, 1 mean, 2 sum); "mean" is F.cross_entropy's.
_MEAN = 1
# nll_loss's ignore_index: F.cross_entropy's default.
_IGNORE_INDEX = -100


def nll_mean(logp: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The mean negative log-likelihood and the total weight its backward needs."""
    return _aten.nll_loss_forward(logp, y, None, _MEAN, _IGNORE_INDEX)


def nll_mean_backward(
    one: torch.Tensor, logp: torch.Tensor, y: torch.Tensor, total: torch.Tensor
) -> torch.Tensor:
    return _aten.nll_loss_backward(one, logp, y, None, _MEAN, _IGNORE_INDEX, total)


def log_softmax_backward(
    grad: torch.Tensor, logp: torch.Tensor, out: torch.Tensor | None = None
) -> torch.Tensor:
    if out is None:
        return _aten._log_softmax_backward_data(grad, logp, 1, logp.dtype)
    return _aten._log_softmax_backward_data.out(grad, logp, 1, logp.dtype, out=out)


def relu_backward(
    grad: torch.Tensor, act: torch.Tensor, out: torch.Tensor | None = None
) -> torch.Tensor:
    """ReLU's backward as autograd runs it: zero where the (post-ReLU) activation is not positive."""
    if out is None:
        return _aten.threshold_backward(grad, act, 0)
    return _aten.threshold_backward.grad_input(grad, act, 0, grad_input=out)


def conv2d(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """A stride-1, unpadded 2-D convolution (the notes' conv layers), the op autograd records."""
    one, zero = [1, 1], [0, 0]
    return _aten.convolution(x, w, b, one, zero, one, False, zero, 1)


def conv2d_backward(
    grad: torch.Tensor, x: torch.Tensor, w: torch.Tensor, need_input: bool
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    one, zero = [1, 1], [0, 0]
    return _aten.convolution_backward(
        grad, x, w, [w.shape[0]], one, zero, one, False, zero, 1, [need_input, True, True]
    )


def max_pool2(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """2x2 max-pool with stride 2: values and the indices its backward needs."""
    return _aten.max_pool2d_with_indices(x, [2, 2], [2, 2])


def max_pool2_backward(grad: torch.Tensor, x: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
    return _aten.max_pool2d_with_indices_backward(
        grad, x, [2, 2], [2, 2], [0, 0], [1, 1], False, indices
    )


def fused_sgd(
    params: list[torch.Tensor],
    grads: list[torch.Tensor],
    buffers: list[torch.Tensor],
    lr: float,
    momentum: float,
    first: bool,
) -> None:
    """torch.optim.SGD(fused=True)'s kernel: in-place updates, momentum buffers filled on the first step."""
    torch._fused_sgd_(
        params,
        grads,
        buffers,
        weight_decay=0.0,
        momentum=momentum,
        lr=lr,
        dampening=0.0,
        nesterov=False,
        maximize=False,
        is_first_step=first,
    )


def _small_twins() -> list[nn.Module]:
    """The notes' FCN and CNN with fewer units (same layer names, kinds and order): cheap to step."""
    from tutor.training.models import CNN, FCN

    fcn, cnn = FCN(), CNN()
    for name, (a, b) in zip(
        ("l1", "l2", "l3", "l4", "l5"), [(784, 8), (8, 8), (8, 8), (8, 8), (8, 10)], strict=True
    ):
        setattr(fcn, name, nn.Linear(a, b))
    cnn.conv1, cnn.conv2, cnn.fc = nn.Conv2d(1, 2, 5), nn.Conv2d(2, 3, 5), nn.Linear(48, 10)
    return [fcn.double(), cnn.double()]


@functools.cache
def fast_steps_available() -> str | None:
    """None when the hand-written steps match autograd on this torch; else why not (one line).

    Two float64 steps of each, on small twins of the notes' models and 4 random images, against
    autograd and plain SGD, compared to a few roundings: float64 leaves no ReLU ties, so any real
    difference is a changed operator. Once per process, a few milliseconds.
    """
    from tutor.training.models import FCN
    from tutor.training.steps import CNNStep, FCNStep

    threads = torch.get_num_threads()
    torch.set_num_threads(
        1
    )  # tiny tensors: more threads only wait for each other (10x slower on a busy box)
    try:
        generator = torch.Generator().manual_seed(0)
        x = torch.randn(4, 1, 28, 28, generator=generator, dtype=torch.float64)
        y = torch.arange(4)
        idx = torch.arange(4)
        with torch.random.fork_rng():
            torch.manual_seed(0)
            models = _small_twins()
        for model in models:
            ref = copy.deepcopy(model)
            opt = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.5, foreach=False)
            step: FCNStep | CNNStep
            if isinstance(model, FCN):
                step = FCNStep([model.l1, model.l2, model.l3, model.l4, model.l5], 0.1, 0.5)
            else:
                step = CNNStep(model, 0.1, 0.5)
            step.load(x, y)
            for _ in range(2):  # the second step uses the momentum buffers
                loss = nn.functional.cross_entropy(ref(x), y)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                step(idx)
            step.publish()
            for (name, p), q in zip(
                model.state_dict().items(), ref.state_dict().values(), strict=True
            ):
                scale = float(q.abs().max()) or 1.0
                if float((p - q).abs().max()) > 1e-12 * scale:
                    return f"{type(model).__name__}'s {name} differs from autograd's on torch {torch.__version__}"
    except Exception as exc:  # a renamed or re-signed operator: fall back, say which
        return f"torch {torch.__version__}: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
    finally:
        torch.set_num_threads(threads)
    return None
