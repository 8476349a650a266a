"""Tests write_atomically() on the real file system: replace, create folders, and leave nothing half-written on failure."""

from __future__ import annotations

import pytest

from tutor.files import write_atomically


def test_writes_and_replaces_creating_the_folder(tmp_path):
    path = tmp_path / "a" / "b" / "file.bin"
    write_atomically(path, b"first")
    write_atomically(path, b"second")
    assert path.read_bytes() == b"second"
    assert [p.name for p in path.parent.iterdir()] == ["file.bin"]  # no temp file left


def test_a_failed_replace_keeps_the_old_contents_and_removes_the_temp_file(tmp_path):
    target = tmp_path / "taken"
    target.mkdir()
    (target / "inside").write_text("keep me")  # a non-empty folder cannot be replaced by a file
    with pytest.raises(OSError):
        write_atomically(target, b"new")
    assert (target / "inside").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
