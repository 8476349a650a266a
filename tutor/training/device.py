"""Provides the training worker's device choice (cuda, then mps, then cpu) and a readable device label."""

from __future__ import annotations

import platform
from pathlib import Path

import torch


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "CPU"


def _works(device: torch.device) -> bool:
    # is_available() can say yes where the driver is broken: confirm with a tiny allocation.
    try:
        torch.ones(1, device=device).add_(1).item()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not usable"
        return False


def pick_device(name: str = "auto") -> tuple[torch.device, str]:
    """Resolve ``auto``/``cpu``/``cuda[:N]``/``mps`` to a working device and its label; bad requests raise ValueError."""
    if name == "auto":
        if torch.cuda.is_available() and _works(torch.device("cuda")):
            name = "cuda"
        elif getattr(torch.backends, "mps", None) and torch.backends.mps.is_available() and _works(torch.device("mps")):
            name = "mps"
        else:
            name = "cpu"
    device = torch.device(name)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError("device cuda was asked for, but torch sees no usable CUDA GPU (try --device cpu)")
        index = device.index or 0
        if index >= torch.cuda.device_count() or not _works(device):
            raise ValueError(f"device {name} is not usable here (try --device cpu)")
        return device, f"cuda:{index} {torch.cuda.get_device_name(index)}"
    if device.type == "mps":
        if not (torch.backends.mps.is_available() and _works(device)):
            raise ValueError("device mps was asked for, but it is not available here (try --device cpu)")
        return device, "mps (Apple GPU)"
    if device.type != "cpu":
        raise ValueError(f"unknown device {name!r}: use auto, cpu, cuda, cuda:N or mps")
    return device, f"cpu ({cpu_name()})"
