"""Tests for the progress store: round trip, atomic save, corrupt files moved aside, reset."""

from __future__ import annotations

import json
import os

import pytest

from tutor import paths
from tutor.progress import ProgressStore

pytestmark = pytest.mark.usefixtures("home")  # TORCH_TUTOR_HOME in tmp_path/home (conftest.py)


def test_default_location_follows_torch_tutor_home(tmp_path):
    store = ProgressStore.load()
    assert store.path == tmp_path / "home" / "data" / "progress.json"
    assert store.path == paths.progress_file()


def test_round_trip():
    store = ProgressStore.load()
    assert (
        store.last() is None and store.done("tensors") == set() and store.position("tensors") == 0
    )
    store.mark_done("tensors", 2)
    store.mark_done("tensors", 0)
    store.mark_done("tensors", 2)
    store.set_position("tensors", 3)
    store.mark_done("item", 1)
    store.set_position("item", 1)
    assert store.save()
    again = ProgressStore.load()
    assert again.done("tensors") == {0, 2}
    assert again.position("tensors") == 3
    assert again.last() == ("item", 1)
    assert again.lesson_ids() == ["item", "tensors"]
    assert again.warnings == []
    on_disk = json.loads(paths.progress_file().read_text())
    assert on_disk["lessons"]["tensors"] == {"done": [0, 2], "position": 3}


def test_save_is_atomic_and_leaves_no_temp_files():
    store = ProgressStore.load()
    store.mark_done("a", 0)
    assert store.save()
    before = paths.progress_file().stat().st_ino
    store.mark_done("a", 1)
    assert store.save()
    # os.replace swaps in a new file rather than rewriting the old one in place.
    assert paths.progress_file().stat().st_ino != before
    assert [p.name for p in paths.progress_file().parent.iterdir()] == ["progress.json"]


@pytest.mark.parametrize(
    "content", [b"{not json", b'{"lessons": {"a": {"done": [-1]}}}', b"\xff\xfe", b"[]"]
)
def test_corrupt_file_is_moved_aside_with_a_warning(content):
    path = paths.progress_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    store = ProgressStore.load()
    assert store.done("a") == set()
    [warning] = store.warnings
    assert warning.startswith(f"progress file {path}: it is not a valid progress file")
    assert "moved it to" in warning and "started with empty progress" in warning
    [aside] = [p for p in path.parent.iterdir() if p.name.startswith("progress.json.corrupt-")]
    assert aside.read_bytes() == content  # nothing is lost
    assert not path.exists()
    store.mark_done("a", 0)
    assert store.save() and ProgressStore.load().done("a") == {0}


def test_unreadable_file_is_moved_aside(tmp_path):
    path = paths.progress_file()
    path.mkdir(parents=True)  # a folder where the file should be: reading it fails
    store = ProgressStore.load()
    [warning] = store.warnings
    assert "cannot read it" in warning and "moved it to" in warning


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_save_failure_is_a_warning_not_a_crash(tmp_path):
    store = ProgressStore.load(tmp_path / "ro" / "progress.json")
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro").chmod(0o500)
    try:
        store.mark_done("a", 0)
        assert store.save() is False
        assert store.warnings[-1].startswith("could not save progress to")
    finally:
        (tmp_path / "ro").chmod(0o700)


def test_save_failure_when_parent_is_a_file(tmp_path):
    (tmp_path / "blocker").write_text("x")
    store = ProgressStore.load(tmp_path / "blocker" / "progress.json")
    store.mark_done("a", 0)
    assert store.save() is False
    assert store.warnings[-1].startswith(f"could not save progress to {tmp_path / 'blocker'}")


def test_reset_one_lesson_and_all():
    store = ProgressStore.load()
    store.mark_done("a", 0)
    store.set_position("b", 2)
    assert store.reset("b") is True
    assert store.last() is None  # b was the last lesson
    assert store.reset("b") is False
    assert store.done("a") == {0}
    assert store.reset() is True
    assert store.lesson_ids() == [] and store.reset() is False
