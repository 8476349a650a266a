"""Device detection in a real worker: auto, overrides by argument and environment, refusals."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tutor.interpreter import DeviceInfo, SyncInterpreter
from tutor.interpreter.device import ENV


def _cpu_model() -> str:
    # Read independently of tutor.interpreter.device, the way a person would check it.
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


@contextmanager
def _started(monkeypatch, *, env=None, **kw) -> Iterator[tuple[SyncInterpreter, DeviceInfo]]:
    """A started interpreter and the device it reported, shut down afterwards."""
    if env is None:
        monkeypatch.delenv(ENV, raising=False)
    else:
        monkeypatch.setenv(ENV, env)
    with SyncInterpreter(spare=False, **kw) as it:
        yield it, it.device


def test_auto_detection_names_the_device(monkeypatch):
    with _started(monkeypatch) as (it, info):
        assert info.kind in ("cuda", "mps", "cpu")
        assert info.note == ""
        assert info.label.startswith(info.kind)
        assert info.name and info.name in info.label
        if info.kind == "cpu" and _cpu_model():
            assert info.name == _cpu_model()
            assert info.label == f"cpu ({info.name})"
        # The namespace's `device` is the detected one.
        r = it.execute("device.type")
        assert r.value == repr(info.kind)
        assert it.execute("torch.ones(2, device=device).sum().item()").value == "2.0"


def test_an_explicit_cpu_override_is_taken(monkeypatch):
    with _started(monkeypatch, device="cpu") as (it, info):
        assert (info.kind, info.note) == ("cpu", "")
        assert it.execute("str(device)").value == "'cpu'"


def test_an_invalid_override_is_refused_with_a_clear_note(monkeypatch):
    with _started(monkeypatch, device="tpu") as (_, info):
        assert info.kind in ("cuda", "mps", "cpu")  # detection took over
        assert info.note.startswith("--device='tpu' refused: not a device name")
        assert "cpu, cuda, cuda:N or mps" in info.note


def test_the_environment_variable_overrides_and_is_refused_clearly(monkeypatch):
    with _started(monkeypatch, env="cuda:7") as (it, info):
        if info.kind == "cuda" and info.note == "":
            pytest.skip("this machine really has a cuda:7")
        assert info.note.startswith(f"{ENV}='cuda:7' refused: ")
        assert "CUDA is not available" in info.note or "there is no cuda:7" in info.note
        assert it.execute("1 + 1").value == "2"  # the worker lives on the fallback device


def test_the_argument_wins_over_the_environment(monkeypatch):
    with _started(monkeypatch, env="nonsense", device="cpu") as (_, info):
        assert (info.kind, info.note) == ("cpu", "")
