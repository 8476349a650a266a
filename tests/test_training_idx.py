"""Tests the IDX reader on the real MNIST files, on the bundled sample and on corrupted copies."""

from __future__ import annotations

import gzip
import hashlib

import numpy as np
import pytest
from test_training_support import T10K_IMAGES, T10K_LABELS, TRAIN_LABELS, needs_mnist

from tutor.training.idx import (
    IdxError,
    encode_idx,
    parse_idx,
    read_idx,
    read_images,
    read_labels,
    write_idx,
)
from tutor.training.sources import SAMPLE_IMAGES, SAMPLE_LABELS


@needs_mnist
def test_real_t10k_files_read_whole_and_validated():
    images = read_images(T10K_IMAGES)
    labels = read_labels(T10K_LABELS, len(images))
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    # Counts and checksum from ../shared/data/mnist/README.md.
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert hashlib.md5(encode_idx(images)).hexdigest() == "2646ac647ad5339dbf082846283269ea"
    assert hashlib.md5(encode_idx(labels)).hexdigest() == "27ae3e4e09519cfbb04c329615203637"


@needs_mnist
def test_real_train_labels_and_a_count_mismatch():
    labels = read_labels(TRAIN_LABELS)
    assert labels.shape == (60000,)
    with pytest.raises(IdxError, match="60,000 labels for 10,000 images"):
        read_labels(TRAIN_LABELS, 10000)


@needs_mnist
def test_plain_and_gzipped_files_read_the_same(tmp_path):
    plain = tmp_path / "t10k-labels-idx1-ubyte"
    plain.write_bytes(gzip.decompress(T10K_LABELS.read_bytes()))
    assert (read_labels(plain) == read_labels(T10K_LABELS)).all()


def test_bundled_sample_is_500_real_digits_per_class():
    images = read_images(SAMPLE_IMAGES)
    labels = read_labels(SAMPLE_LABELS, len(images))
    assert images.shape == (5000, 28, 28)
    assert np.bincount(labels).tolist() == [500] * 10
    # Raw MNIST scale: background 0, strokes up to 255.
    assert images.min() == 0 and images.max() == 255


@needs_mnist
def test_bundled_sample_shares_no_digit_with_the_test_set():
    test = {row.tobytes() for row in read_images(T10K_IMAGES)}
    assert not any(row.tobytes() in test for row in read_images(SAMPLE_IMAGES))


def test_round_trip_through_write_and_read(tmp_path):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    for name in ("a.idx", "a.idx.gz"):
        write_idx(tmp_path / name, arr)
        back = read_idx(tmp_path / name)
        assert back.shape == (2, 3, 4) and (back == arr).all()
    floats = np.linspace(0, 1, 5, dtype=np.float32)
    assert (parse_idx(encode_idx(floats)) == floats).all()


@needs_mnist
def test_truncated_gzip_download_is_named_and_explained(tmp_path):
    data = T10K_LABELS.read_bytes()
    bad = tmp_path / "t10k-labels-idx1-ubyte.gz"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(IdxError, match=r"t10k-labels-idx1-ubyte\.gz: the gzip stream is truncated"):
        read_labels(bad)


@needs_mnist
def test_corrupt_gzip_body_is_an_idx_error(tmp_path):
    data = bytearray(T10K_IMAGES.read_bytes())
    for i in range(5000, 5100):
        data[i] ^= 0xFF
    bad = tmp_path / "t10k-images-idx3-ubyte.gz"
    bad.write_bytes(bytes(data))
    with pytest.raises(IdxError, match="corrupt gzip data"):
        read_images(bad)


@needs_mnist
def test_truncated_plain_file_says_how_much_is_missing(tmp_path):
    raw = gzip.decompress(T10K_IMAGES.read_bytes())
    bad = tmp_path / "t10k-images-idx3-ubyte"
    bad.write_bytes(raw[:-1000])
    with pytest.raises(IdxError, match=r"truncated: the header promises shape \(10000, 28, 28\)"):
        read_images(bad)


def test_bad_headers_and_wrong_contents(tmp_path):
    cases = {
        b"PK\x03\x04not idx at all": "not an IDX file",
        b"\x00\x00\x08": "too short",
        b"\x00\x00\x08\x03\x00\x00": "truncated inside the header",
        encode_idx(np.zeros(4, np.uint8)) + b"junk": "4 unexpected bytes after the data",
    }
    for i, (data, message) in enumerate(cases.items()):
        path = tmp_path / f"case{i}"
        path.write_bytes(data)
        with pytest.raises(IdxError, match=message):
            read_idx(path)
    labels_as_images = tmp_path / "labels"
    write_idx(labels_as_images, np.zeros(10, np.uint8))
    with pytest.raises(
        IdxError, match=r"expected MNIST images \(uint8, N×28×28\), found uint8 \(10,\)"
    ):
        read_images(labels_as_images)
    out_of_range = tmp_path / "labels12"
    write_idx(out_of_range, np.array([1, 12], np.uint8))
    with pytest.raises(IdxError, match="label 12 is outside 0..9"):
        read_labels(out_of_range)
    with pytest.raises(IdxError, match="cannot read"):
        read_idx(tmp_path / "missing.gz")
