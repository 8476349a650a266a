"""Tests that the exercises of lessons 13-16 (data, training-loop, saving, devices) accept right
answers written differently from their solutions, judged by a real worker.

Each lesson's `wrong` answers are proven to fail by `torch-tutor check` (test_builtin_lessons).
"""

from __future__ import annotations

from test_lesson_exercises import exercise, lessons, verdicts  # noqa: F401 (fixtures)

PASSED = (True, "all checks passed")

DIGITS = """
from torch.utils.data import Dataset
from torchvision import transforms
from tutor.training.sources import load_sample
digits = load_sample()
images, labels = digits.images.copy(), digits.labels.copy()
"""


async def test_digits_dataset_accepts_to_tensor_and_a_long_tensor_label(interp, lessons):  # noqa: F811
    step = exercise(lessons, "data", "Exercise: a Dataset over the bundled digits")
    right = [
        DIGITS
        + """
class DigitsDataset(Dataset):
    def __init__(self, images, labels):
        self.images, self.labels = images, labels
    def __len__(self):
        return self.labels.shape[0]
    def __getitem__(self, i):
        return transforms.ToTensor()(self.images[i]), int(self.labels[i])
""",
        DIGITS
        + """
class DigitsDataset(Dataset):
    def __init__(self, images, labels):
        self.x = torch.tensor(images, dtype=torch.float32)[:, None] / 255
        self.y = torch.tensor(labels, dtype=torch.long)
    def __len__(self):
        return len(self.y)
    def __getitem__(self, i):
        return self.x[i], self.y[i]
""",
    ]
    assert await verdicts(interp, step, right) == [PASSED] * 2


async def test_pixel_statistics_accept_numpy_and_float64(interp, lessons):  # noqa: F811
    step = exercise(lessons, "data", "Exercise: the statistics behind Normalize")
    right = [
        DIGITS
        + "pixel_mean = float((images / 255).mean())\npixel_std = float((images / 255).std())",
        DIGITS + "p = torch.from_numpy(images).double().div(255)\n"
        "pixel_mean, pixel_std = p.mean().item(), p.std(unbiased=False).item()",
    ]
    assert await verdicts(interp, step, right) == [PASSED] * 2


async def test_pad_collate_accepts_a_hand_written_padding(interp, lessons):  # noqa: F811
    step = exercise(lessons, "data", "Exercise: a collate_fn for labelled sequences")
    right = [
        """
def pad_collate(batch):
    lengths = torch.tensor([len(s) for s, _ in batch], dtype=torch.int64)
    padded = torch.zeros(len(batch), int(lengths.max()), dtype=torch.int64)
    for row, (s, _) in enumerate(batch):
        padded[row, :len(s)] = s
    return padded, lengths, torch.tensor([y for _, y in batch])
"""
    ]
    assert await verdicts(interp, step, right) == [PASSED]


async def test_mlp_accepts_a_sequential_and_add_module(interp, lessons):  # noqa: F811
    step = exercise(lessons, "training-loop", "Exercise: a network of any depth")
    right = [
        """
import torch.nn as nn
class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        self.net = nn.Sequential(*layers[:-1])
    def forward(self, x):
        return self.net(x)
""",
        """
import torch.nn as nn
import torch.nn.functional as F
class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.n = len(sizes) - 1
        for i in range(self.n):
            self.add_module(f"l{i}", nn.Linear(sizes[i], sizes[i + 1]))
    def forward(self, x):
        for i in range(self.n):
            x = getattr(self, f"l{i}")(x)
            if i < self.n - 1:
                x = F.relu(x)
        return x
""",
    ]
    assert await verdicts(interp, step, right) == [PASSED] * 2


async def test_evaluate_accepts_no_grad_and_a_finally(interp, lessons):  # noqa: F811
    step = exercise(lessons, "training-loop", "Exercise: an evaluate function")
    right = [
        """
import torch.nn.functional as F
def evaluate(model, x, y):
    mode = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(x)
            return float(F.cross_entropy(out, y)), float((out.argmax(1) == y).sum()) / len(y)
    finally:
        model.train(mode)
"""
    ]
    assert await verdicts(interp, step, right) == [PASSED]


async def test_adam_step_accepts_addcdiv_on_clones(interp, lessons):  # noqa: F811
    step = exercise(lessons, "training-loop", "Exercise: one Adam step")
    right = [
        """
def adam_step(p, g, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    b1, b2 = betas
    m = m.clone().mul_(b1).add_(g, alpha=1 - b1)
    v = v.clone().mul_(b2).addcmul_(g, g, value=1 - b2)
    denom = (v / (1 - b2 ** t)).sqrt().add_(eps)
    return torch.addcdiv(p, m, denom, value=-lr / (1 - b1 ** t)), m, v
"""
    ]
    assert await verdicts(interp, step, right) == [PASSED]


async def test_snapshot_accepts_deepcopy(interp, lessons):  # noqa: F811
    step = exercise(lessons, "saving", "Exercise: a snapshot that stays put")
    right = ["import copy\ndef snapshot(model):\n    return copy.deepcopy(model.state_dict())"]
    assert await verdicts(interp, step, right) == [PASSED]


async def test_checkpoint_accepts_other_keys_and_a_tuple(interp, lessons):  # noqa: F811
    step = exercise(lessons, "saving", "Exercise: save and resume a checkpoint")
    right = [
        """
def save_checkpoint(path, model, optimizer, epoch):
    torch.save({"epoch": epoch, "weights": model.state_dict(), "opt": optimizer.state_dict()}, path)

def load_checkpoint(path, model, optimizer):
    c = torch.load(path, weights_only=True, map_location="cpu")
    model.load_state_dict(c["weights"])
    optimizer.load_state_dict(c["opt"])
    return c["epoch"] + 1
"""
    ]
    assert await verdicts(interp, step, right) == [PASSED]


async def test_strip_prefix_accepts_removeprefix(interp, lessons):  # noqa: F811
    step = exercise(lessons, "saving", "Exercise: keys with a prefix")
    right = [
        "def strip_prefix(sd, prefix):\n    return {k.removeprefix(prefix): v for k, v in sd.items()}"
    ]
    assert await verdicts(interp, step, right) == [PASSED]


async def test_to_device_accepts_a_mapping_and_match(interp, lessons):  # noqa: F811
    step = exercise(lessons, "devices", "Exercise: move a whole batch")
    right = [
        """
from collections.abc import Mapping
def to_device(batch, device):
    match batch:
        case torch.Tensor():
            return batch.to(device, non_blocking=True)
        case Mapping():
            return {k: to_device(v, device) for k, v in batch.items()}
        case tuple() | list():
            return type(batch)([to_device(b, device) for b in batch])
        case _:
            return batch
"""
    ]
    assert await verdicts(interp, step, right) == [PASSED]


async def test_train_epoch_and_pick_device_accept_other_forms(interp, lessons):  # noqa: F811
    epoch = exercise(lessons, "devices", "Exercise: a training epoch on any device")
    right = [
        """
def train_epoch(model, loader, optimizer, device):
    n = 0
    for batch in loader:
        x, y = (t.to(device, non_blocking=True) for t in batch)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        n += y.shape[0]
    return n
"""
    ]
    assert await verdicts(interp, epoch, right) == [PASSED]
    pick = exercise(lessons, "devices", "Exercise: pick the best device")
    right = [
        """
def pick_device():
    return torch.device("cuda" if torch.cuda.is_available()
                        else "mps" if torch.backends.mps.is_available() else "cpu")
"""
    ]
    assert await verdicts(interp, pick, right) == [PASSED]


async def test_clipped_step_accepts_clipping_by_hand(interp, lessons):  # noqa: F811
    step = exercise(lessons, "training-loop", "Exercise: a training step with clipping")
    right = [
        """
def clipped_step(model, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    norm = torch.sqrt(sum((g**2).sum() for g in grads))
    if norm > max_norm:
        for g in grads:
            g.mul_(max_norm / (norm + 1e-6))
    optimizer.step()
    return float(norm)
"""
    ]
    assert await verdicts(interp, step, right) == [PASSED]
