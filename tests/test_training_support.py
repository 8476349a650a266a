"""Provides what the training tests share: the real MNIST folder and the notes' own model classes, verbatim."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The real MNIST files live beside the repository (../shared/data/mnist); they are never committed.
MNIST = ROOT.parent / "shared" / "data" / "mnist"
T10K_IMAGES = MNIST / "t10k-images-idx3-ubyte.gz"
T10K_LABELS = MNIST / "t10k-labels-idx1-ubyte.gz"
TRAIN_LABELS = MNIST / "train-labels-idx1-ubyte.gz"

needs_mnist = pytest.mark.skipif(
    not T10K_IMAGES.is_file(), reason=f"real MNIST files not found at {MNIST} (../shared/data/mnist)"
)

# The two Net classes exactly as the notes write them (FCN on MNIST; CNN model code).
NOTES_FCN = '''
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
'''

NOTES_CNN = '''
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
'''


def notes_class(source: str):
    namespace: dict = {}
    exec(compile(source, "<notes>", "exec"), namespace)
    return namespace["Net"]


def notes_accuracy(state_dict_path: Path, source: str) -> float:
    """Load a saved state_dict into the notes' class (weights_only) and score it on the real t10k set."""
    import numpy as np
    import torch

    from tutor.training.idx import read_images, read_labels

    net = notes_class(source)()
    net.load_state_dict(torch.load(state_dict_path, weights_only=True))
    net.eval()
    images = read_images(T10K_IMAGES)
    # The notes' transform: ToTensor (÷255) then Normalize((0.1307,), (0.3081,)).
    x = torch.from_numpy(np.array(images)).float().div(255).sub(0.1307).div(0.3081).unsqueeze(1)
    y = torch.from_numpy(read_labels(T10K_LABELS, len(images)).astype(np.int64))
    with torch.no_grad():
        return (net(x).argmax(1) == y).float().mean().item()
