"""Provides the fixtures every test shares: a private TORCH_TUTOR_HOME for each test (``home``:
one in a subfolder of tmp_path).

Helpers that tests import by name (the app factory and wait helpers, the CLI runner) live in
tests/app_support.py and tests/cli_support.py.
"""

from __future__ import annotations

import asyncio
import itertools

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


@pytest.fixture(scope="module")
def interp():
    """One real worker for a test module (each test takes its own namespace from ``ns``).

    The client runs its engine on its own thread, so one worker serves every test's event loop.
    Modules that need other settings (a spare, a memory limit, the sync face) define their own.
    """
    from tutor.interpreter import Interpreter

    it = Interpreter(spare=False)
    asyncio.run(it.start())
    yield it
    asyncio.run(it.shutdown())


_namespaces = itertools.count()


@pytest.fixture
def ns(request):
    """A namespace no other test in the session uses."""
    return f"{request.module.__name__.removeprefix('test_')}-{next(_namespaces)}"
