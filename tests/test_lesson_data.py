"""Tests tutor.training.lesson_data: the bundled digits written where torchvision's MNIST reads them."""

from __future__ import annotations

import numpy as np
import pytest
from test_training_support import MNIST, needs_mnist

from tutor.training import lesson_data
from tutor.training.lesson_data import prepare_mnist, prepared_test_digits
from tutor.training.sources import DataError, load_sample


def _mnist(root: str, train: bool):
    from torchvision import datasets

    return datasets.MNIST(root=root, train=train, download=False)


def test_prepare_mnist_writes_what_datasets_mnist_reads(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(lesson_data, "_last_test_dir", None)
    root = prepare_mnist(tmp_path / "dataset" / "mnist")
    assert root == str(tmp_path / "dataset" / "mnist")
    said = capsys.readouterr().out
    assert "train = bundled sample (4,500), test = bundled sample hold-out (500)" in said
    train, test = _mnist(root, True), _mnist(root, False)
    assert (len(train), len(test)) == (4_500, 500)
    # Together they are the sample, each digit once, and the test set has 50 of each digit.
    sample = load_sample()
    both = np.concatenate([train.data.numpy(), test.data.numpy()])
    assert sorted(map(bytes, both)) == sorted(map(bytes, sample.images))
    assert np.bincount(test.targets.numpy(), minlength=10).tolist() == [50] * 10
    assert np.array_equal(prepared_test_digits().images, test.data.numpy())


def test_a_test_dir_without_t10k_files_is_refused_and_names_the_folder(tmp_path):
    with pytest.raises(DataError, match="no t10k-images-idx3-ubyte") as err:
        prepare_mnist(tmp_path / "out", test_dir=tmp_path)
    assert str(tmp_path) in str(err.value)
    assert not (tmp_path / "out").exists()  # nothing half-written


@needs_mnist
def test_a_test_dir_with_real_t10k_tests_on_it_and_trains_on_all_5000(tmp_path, monkeypatch):
    monkeypatch.setattr(lesson_data, "_last_test_dir", None)
    root = prepare_mnist(tmp_path, test_dir=MNIST)
    assert (len(_mnist(root, True)), len(_mnist(root, False))) == (5_000, 10_000)
    assert len(prepared_test_digits()) == 10_000
