"""Provides the training worker's device choice (cuda, then mps, then cpu) and a readable device label.

The checks themselves (a tiny allocation that must work, the CPU's name) are the interpreter's, in
tutor.interpreter.device; unlike the interpreter, training refuses a bad request instead of falling back,
so that a run never silently trains somewhere the learner did not ask for.
"""

from __future__ import annotations

import torch

from tutor.interpreter.device import confirm, first_working, label


def pick_device(name: str = "auto") -> tuple[torch.device, str]:
    """Resolve ``auto``/``cpu``/``cuda[:N]``/``mps`` to a working device and its label; bad requests raise ValueError."""
    request = (name or "auto").strip().lower()
    if request == "auto":
        device = first_working()
    else:
        device, why = confirm(request)
        if device is None:
            hint = "" if "(use " in why else " (try --device cpu)"
            raise ValueError(f"device {name!r} cannot be used: {why}{hint}")
    return device, label(device)[1]
