"""Provides device detection for the worker: cuda, then mps, then cpu, each confirmed for real.

Runs inside the worker only (it imports torch). An override comes from the ``device=`` argument
(the CLI's ``--device``) or else the ``TORCH_TUTOR_DEVICE`` environment variable; ``auto`` or
nothing means detect. An override that cannot work is refused with a clear note and detection
takes over. Nothing here may crash: a missing or broken CUDA/MPS only ever means "not chosen".
"""

from __future__ import annotations

import os
import platform
import subprocess
import warnings
from typing import Any

ENV = "TORCH_TUTOR_DEVICE"
CHOICES = "auto, cpu, cuda, cuda:N or mps"


def detect(requested: str | None = None) -> tuple[Any, dict[str, str]]:
    """Returns (torch.device, DeviceInfo fields)."""
    source = "--device" if requested else ENV
    request = (requested or os.environ.get(ENV) or "auto").strip().lower()
    note = ""
    if request != "auto":
        device, why = confirm(request)
        if device is not None:
            return device, _info(device, "")
        note = f"{source}={request!r} refused: {why}; detected the device instead"
    device = first_working()
    return device, _info(device, note)


def first_working() -> Any:
    """cuda, then mps, then cpu: the first that passes :func:`confirm`. Also used by tutor.training.device."""
    import torch

    for candidate in ("cuda", "mps"):
        device, _ = confirm(candidate)
        if device is not None:
            return device
    return torch.device("cpu")


def confirm(request: str) -> tuple[Any, str]:
    """(device, "") if a tiny allocation on it works, else (None, why not). Also used by tutor.training.device."""
    import torch

    try:
        device = torch.device(request)
    except (RuntimeError, ValueError):
        return None, f"not a device name (use {CHOICES})"
    if device.type not in ("cpu", "cuda", "mps"):
        return None, f"torch-tutor does not support {device.type!r} (use {CHOICES})"
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if device.type == "cuda":
                if not torch.cuda.is_available():
                    hint = f": {caught[0].message}" if caught else ""
                    built = torch.version.cuda or "none"
                    return None, f"CUDA is not available (torch built with CUDA {built}){hint}"
                count = torch.cuda.device_count()
                if device.index is not None and device.index >= count:
                    return None, f"there is no {device} ({count} CUDA device(s))"
            elif device.type == "mps":
                if not torch.backends.mps.is_available():
                    return None, "MPS (Apple GPU) is not available here"
            probe = torch.ones(2, device=device) + 1
            if probe.sum().item() != 4.0:
                return None, f"a test computation on {device} gave a wrong answer"
    except Exception as exc:  # a broken driver must never take the worker down
        return None, f"{device} failed a test allocation: {type(exc).__name__}: {exc}"
    return device, ""


def label(device: Any) -> tuple[str, str]:
    """(name, label) of a confirmed device, e.g. ("AMD EPYC ...", "cpu (AMD EPYC ...)") or ("H100", "cuda:0 H100")."""
    import torch

    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        try:
            name = torch.cuda.get_device_name(index)
        except Exception:
            name = "unknown CUDA GPU"
        return name, f"cuda:{index} {name}"
    name = cpu_model()
    return name, f"{device.type} ({name})"


def _info(device: Any, note: str) -> dict[str, str]:
    import torch

    name, text = label(device)
    return {
        "kind": device.type,
        "name": name,
        "label": text,
        "torch_version": torch.__version__,
        "note": note,
    }


def cpu_model() -> str:
    """The CPU's marketing name: /proc/cpuinfo on Linux, sysctl on macOS, else platform."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "Hardware") and value.strip():
                    return value.strip()
    except OSError:
        pass
    if platform.system() == "Darwin":
        try:
            out = subprocess.run(
                ["sysctl", "-n", "machdep.cpu.brand_string"],
                capture_output=True,
                text=True,
                timeout=2,
            )
            if out.returncode == 0 and out.stdout.strip():
                return out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return platform.processor() or platform.machine() or "unknown CPU"
