"""Provides the training settings (no torch), with the notes' defaults, checked on the way in."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path

# One pass over the 60,000 MNIST training images at batch 64: the notes' one epoch.
DEFAULT_STEPS = 938
# Sample digits kept back as a test set when no real test set is found (tutor.training.sources).
DEFAULT_HOLDOUT = 500
MODEL_CHOICES = "fcn, cnn or path/to/file.py[:ClassName]"


def is_model_file(spec: str) -> bool:
    """True for ``path/to/file.py`` or ``path/to/file.py:ClassName``: a learner's own model class."""
    return spec.endswith(".py") or ".py:" in spec


def model_file(spec: str) -> tuple[Path, str]:
    """The file and class of a learner's ``path/to/file.py[:ClassName]``; the class defaults to ``Net``, as in the notes."""
    path, _, name = (
        spec.rpartition(".py:") if ".py:" in spec else (spec.removesuffix(".py"), "", "")
    )
    return Path(f"{path}.py").expanduser(), name or "Net"


def check_model(spec: str) -> str:
    """``spec`` if it names a model build_model can make; ValueError with the choices otherwise."""
    if spec in ("fcn", "cnn") or is_model_file(spec):
        return spec
    raise ValueError(f"unknown model {spec!r}: use {MODEL_CHOICES}")


def split_problems(batch_size: int, world_size: int) -> list[str]:
    """Why a global batch cannot be shared out over ``world_size`` processes (empty if it can)."""
    if not isinstance(batch_size, int) or batch_size < 1:
        return []  # reported on its own
    if batch_size % world_size == 0:
        return []
    lower = batch_size - batch_size % world_size
    options = " or ".join(str(b) for b in (lower, lower + world_size) if b >= world_size)
    return [
        f"the global batch of {batch_size} does not split over {world_size} processes "
        f"(each process trains on an equal share): use --batch-size {options}, "
        f"or a process count that divides {batch_size}"
    ]


@dataclass
class TrainConfig:
    """Everything one training run needs. ``steps`` and ``epochs`` are exclusive; neither means DEFAULT_STEPS."""

    model: str = "cnn"  # "fcn", "cnn" or "path/to/file.py[:Class]"
    epochs: int | None = None
    steps: int | None = None
    batch_size: int = 64  # the notes' settings: SGD, lr 0.01, momentum 0.5, batch 64
    lr: float = 0.01
    momentum: float = 0.5
    device: str = "auto"  # "auto" picks cuda, then mps, then cpu
    data_dir: str | None = None
    threads: int | None = None  # torch intra-op threads; None: chosen while training (ThreadTuner)
    max_threads: int | None = None  # the most the tuner may use; None: all cores
    seed: int = 0
    save: str | None = None  # an extra copy of the state_dict
    checkpoint: bool = True  # keep the state_dict in the user data dir
    holdout: int = DEFAULT_HOLDOUT
    nice: int = 0  # added niceness, so a UI on the same cores stays responsive
    update_interval: float = 0.1  # seconds between metric messages
    sample_digits: int = 24  # test digits sent back with predictions
    # DistributedDataParallel (tutor.training.ddp): processes on this machine; batch_size stays the
    # global batch, each process trains on batch_size // world_size of it.
    world_size: int = 1
    master_port: int | None = None  # the rendezvous port on 127.0.0.1; None: a free one

    def __post_init__(self) -> None:
        problems = []
        try:
            check_model(self.model)
        except ValueError as exc:
            problems.append(str(exc))
        if self.epochs is not None and self.steps is not None:
            problems.append("give --epochs or --steps, not both")
        for name in ("epochs", "steps", "batch_size", "threads", "max_threads", "world_size"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                problems.append(f"{name} must be a whole number ≥ 1, got {value!r}")
        if not (isinstance(self.lr, (int, float)) and math.isfinite(self.lr) and self.lr > 0):
            problems.append(f"lr must be a positive number, got {self.lr!r}")
        if not (isinstance(self.momentum, (int, float)) and 0 <= self.momentum < 1):
            problems.append(f"momentum must be in [0, 1), got {self.momentum!r}")
        if self.device not in ("auto", "cpu", "cuda", "mps") and not self.device.startswith(
            "cuda:"
        ):
            problems.append(f"device must be auto, cpu, cuda, cuda:N or mps, got {self.device!r}")
        if isinstance(self.world_size, int) and self.world_size > 1:
            problems.extend(split_problems(self.batch_size, self.world_size))
        if self.master_port is not None and not (
            isinstance(self.master_port, int) and 1 <= self.master_port <= 65535
        ):
            problems.append(f"master_port must be a port number 1-65535, got {self.master_port!r}")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def per_process_batch(self) -> int:
        return self.batch_size // self.world_size

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown training settings: {', '.join(unknown)}")
        return cls(**data)

    def total_steps(self, train_size: int) -> int:
        if self.steps is not None:
            return self.steps
        if self.epochs is not None:
            return self.epochs * math.ceil(train_size / self.batch_size)
        return DEFAULT_STEPS
