"""Provides the notes' MNIST models (FCN and CNN, with the notes' layer names) and a loader for a learner's own class."""

from __future__ import annotations

import importlib.util

import torch
import torch.nn.functional as F
from torch import nn

from tutor.training.config import check_model, model_file


class FCN(nn.Module):
    """The notes' fully connected net: 784-512-256-128-64-10 with ReLU."""

    def __init__(self) -> None:
        super().__init__()
        self.l1 = nn.Linear(784, 512)
        self.l2 = nn.Linear(512, 256)
        self.l3 = nn.Linear(256, 128)
        self.l4 = nn.Linear(128, 64)
        self.l5 = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(-1, 784)
        x = F.relu(self.l1(x))
        x = F.relu(self.l2(x))
        x = F.relu(self.l3(x))
        x = F.relu(self.l4(x))
        return self.l5(x)


class CNN(nn.Module):
    """The notes' CNN: conv 1→10 k5, pool, conv 10→20 k5, pool, fc 320→10 (ReLU after each conv)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.pooling = nn.MaxPool2d(2)
        self.fc = nn.Linear(320, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # The notes apply ReLU, then pool. Max-pooling first gives exactly the same values and
        # gradients (ReLU never changes which element is largest) on a quarter of the elements.
        x = F.relu(self.pooling(self.conv1(x)))
        x = F.relu(self.pooling(self.conv2(x)))
        # flatten (not the notes' view) so a channels_last tensor flattens in (C, H, W) order too
        return self.fc(torch.flatten(x, 1))


def load_user_class(spec: str) -> type[nn.Module]:
    """Load ``path/to/file.py[:ClassName]`` (class name defaults to ``Net``, as in the notes)."""
    path, class_name = model_file(spec)
    if not path.is_file():
        raise ValueError(f"model file not found: {path}")
    module_spec = importlib.util.spec_from_file_location(f"tutor_user_model_{path.stem}", path)
    if module_spec is None or module_spec.loader is None:
        raise ValueError(f"cannot import {path} as a Python module")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise ValueError(f"{path} has no nn.Module subclass named {class_name!r}")
    return cls


def build_model(spec: str) -> nn.Module:
    """``fcn``, ``cnn``, or ``file.py[:Class]`` holding a learner's own model (input N×1×28×28, 10 logits)."""
    if spec == "fcn":
        return FCN()
    if spec == "cnn":
        return CNN()
    return load_user_class(check_model(spec))()


def is_convolutional(model: nn.Module) -> bool:
    return any(isinstance(m, nn.Conv2d) for m in model.modules())
