"""Provides the fixtures every test shares: a private TORCH_TUTOR_HOME for each test (``home``:
one in a subfolder of tmp_path).

Helpers that tests import by name (the app factory and wait helpers, the CLI runner) live in
tests/app_support.py and tests/cli_support.py.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def tutor_home(tmp_path, monkeypatch):
    """A private TORCH_TUTOR_HOME (progress, config, checkpoints, caches) for every test.

    Also no outside lessons (TORCH_TUTOR_LESSONS) and no NO_COLOR from the caller's shell, so a
    test never reads or writes the learner's own files and sees the same lessons everywhere.
    The home is the test's ``tmp_path``; the fixture's value is that folder.
    """
    monkeypatch.setenv("TORCH_TUTOR_HOME", str(tmp_path))
    monkeypatch.delenv("TORCH_TUTOR_LESSONS", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


@pytest.fixture
def home(tmp_path, monkeypatch):
    """TORCH_TUTOR_HOME in ``tmp_path / "home"``, for tests that keep other files in tmp_path."""
    path = tmp_path / "home"
    monkeypatch.setenv("TORCH_TUTOR_HOME", str(path))
    return path
