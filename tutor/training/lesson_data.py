"""Provides the lessons' offline MNIST: the bundled digits, written where torchvision's MNIST looks.

A lesson cell cannot download anything, and the notes' script reads MNIST with
``datasets.MNIST(root=..., download=False)``, which wants uncompressed IDX files in
``<root>/MNIST/raw``. :func:`prepare_mnist` writes them there (inside the session folder, the
only place a cell may write), so the learner's script stays the notes' own. No torch here.
"""

from __future__ import annotations

from pathlib import Path

from tutor.training.config import DEFAULT_HOLDOUT
from tutor.training.idx import write_idx
from tutor.training.sources import DataError, Digits, find_files, hold_out, load_pair, load_sample

# The test_dir of the last prepare_mnist() in this process, so a lesson's check can score a
# learner's model on the same test set as their own test() did.
_last_test_dir: str | None = None


def lesson_digits(test_dir: str | Path | None = None) -> tuple[Digits, Digits]:
    """The lessons' (train, test) digits.

    Train on the bundled sample, always: a lesson cell must stay fast. Test on the real t10k set
    in ``test_dir`` (any layout :func:`find_files` knows) when one is given, and then train on all
    5,000 digits; else test on 500 digits held out of the sample (50 per class) and train on the
    other 4,500. The cache of ``torch-tutor data download`` is not looked up: a cell's worker does
    not see the user's folders (its HOME is the session folder).
    """
    sample = load_sample()
    if test_dir is None:
        return hold_out(sample, DEFAULT_HOLDOUT)
    found = find_files(test_dir)
    if "test" not in found:
        raise DataError(
            f"test_dir={str(test_dir)!r}: no t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte "
            "(.gz or not) there; give the folder that holds them"
        )
    return sample, load_pair(*found["test"], "MNIST t10k")


def prepared_test_digits() -> Digits:
    """The test digits of the last :func:`prepare_mnist` here (the hold-out if none ran)."""
    return lesson_digits(_last_test_dir)[1]


def prepare_mnist(root: str | Path = "dataset/mnist", test_dir: str | Path | None = None) -> str:
    """Write :func:`lesson_digits` as ``<root>/MNIST/raw/{train,t10k}-{images,labels}-*-ubyte``.

    Returns ``root`` as a string, for ``datasets.MNIST(root=...)``, and prints which digits
    went where. Writing again replaces the files.
    """
    global _last_test_dir
    train, test = lesson_digits(test_dir)
    _last_test_dir = None if test_dir is None else str(test_dir)
    raw = Path(root) / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for split, digits in (("train", train), ("t10k", test)):
        write_idx(raw / f"{split}-images-idx3-ubyte", digits.images)
        write_idx(raw / f"{split}-labels-idx1-ubyte", digits.labels)
    print(f"MNIST in {root}: train = {train.name}, test = {test.name}")
    return str(root)
