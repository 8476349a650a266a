"""Tests the training device picker, which builds on the interpreter's checks: auto, cpu, and clear refusals."""

from __future__ import annotations

import pytest
import torch

from tutor.interpreter.device import cpu_model
from tutor.training.device import pick_device


def test_auto_and_cpu_resolve_to_working_devices_with_labels():
    device, text = pick_device("auto")
    assert device.type in ("cuda", "mps", "cpu")
    assert text.startswith(device.type)
    assert torch.ones(2, device=device).sum().item() == 2.0
    assert pick_device("cpu") == (torch.device("cpu"), f"cpu ({cpu_model()})")
    assert pick_device(" CPU ")[0] == torch.device("cpu")


@pytest.mark.parametrize(
    ("request_", "reason"),
    [
        ("tpu", "not a device name (use auto, cpu, cuda, cuda:N or mps)"),
        ("xla", "torch-tutor does not support 'xla'"),
    ],
)
def test_unknown_devices_are_refused_with_the_choices(request_, reason):
    with pytest.raises(ValueError, match=f"device {request_!r} cannot be used: ") as caught:
        pick_device(request_)
    assert reason in str(caught.value)


def test_an_absent_gpu_is_refused_not_replaced():
    if torch.cuda.device_count() > 7:
        pytest.skip("this machine really has a cuda:7")
    with pytest.raises(ValueError, match=r"device 'cuda:7' cannot be used: .*\(try --device cpu\)"):
        pick_device("cuda:7")
