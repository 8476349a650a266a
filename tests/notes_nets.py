"""Provides the notes' own FCN and CNN classes, verbatim, as source text: what checkpoints must load into.

Reference code for the tests, the benchmarks and scripts/gpu_check.py (which put tests/ on sys.path);
the package never uses it, so it does not ship in the wheel.
"""

from __future__ import annotations

from typing import Any

# The two Net classes exactly as the notes write them (FCN on MNIST; CNN model code). Kept as text:
# the benchmark's reference pipeline and the tests run them as the notes do, not through tutor.training.models.
NOTES_FCN = """
import torch
import torch.nn.functional as F

class Net(torch.nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.l1 = torch.nn.Linear(784, 512)
        self.l2 = torch.nn.Linear(512, 256)
        self.l3 = torch.nn.Linear(256, 128)
        self.l4 = torch.nn.Linear(128, 64)
        self.l5 = torch.nn.Linear(64, 10)

    def forward(self, x):
        x = x.view(-1, 784)
        x = F.relu(self.l1(x))
        x = F.relu(self.l2(x))
        x = F.relu(self.l3(x))
        x = F.relu(self.l4(x))
        return self.l5(x)
"""

NOTES_CNN = """
import torch
import torch.nn.functional as F

class Net(torch.nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = torch.nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = torch.nn.Conv2d(10, 20, kernel_size=5)
        self.pooling = torch.nn.MaxPool2d(2)
        self.fc = torch.nn.Linear(320, 10)

    def forward(self, x):
        batch_size = x.size(0)
        x = self.pooling(F.relu(self.conv1(x)))
        x = self.pooling(F.relu(self.conv2(x)))
        x = x.view(batch_size, -1)
        x = self.fc(x)
        return x
"""


NOTES_SOURCES = {"fcn": NOTES_FCN, "cnn": NOTES_CNN}


def notes_class(source: str) -> Any:
    """The ``Net`` class defined by one of the sources above (imports torch)."""
    namespace: dict = {}
    exec(compile(source, "<notes>", "exec"), namespace)
    return namespace["Net"]
