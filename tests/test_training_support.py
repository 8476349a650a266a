"""Provides what the training tests share: the real MNIST folder and the notes' own model classes, verbatim."""

from __future__ import annotations

from pathlib import Path

import pytest
from notes_nets import NOTES_CNN, NOTES_FCN, notes_class  # noqa: F401 (re-exported)

ROOT = Path(__file__).resolve().parents[1]
# The real MNIST files live beside the repository (../shared/data/mnist); they are never committed.
MNIST = ROOT.parent / "shared" / "data" / "mnist"
T10K_IMAGES = MNIST / "t10k-images-idx3-ubyte.gz"
T10K_LABELS = MNIST / "t10k-labels-idx1-ubyte.gz"
TRAIN_LABELS = MNIST / "train-labels-idx1-ubyte.gz"

needs_mnist = pytest.mark.skipif(
    not T10K_IMAGES.is_file(),
    reason=f"real MNIST files not found at {MNIST} (../shared/data/mnist)",
)


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
