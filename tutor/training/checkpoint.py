"""Provides saving a model's state_dict so ``torch.load(path, weights_only=True)`` restores it into the notes' classes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import torch
from torch import nn

from tutor import paths
from tutor.files import write_atomically
from tutor.training.config import model_file


def portable_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    # CPU, contiguous (not channels_last) tensors: loadable anywhere, by any plain copy of the class.
    return {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}


def checkpoint_name(model_spec: str) -> str:
    if model_spec in ("fcn", "cnn"):
        return model_spec
    path, cls = model_file(model_spec)
    return f"{path.stem}-{cls}"


def save_checkpoint(
    model: nn.Module, model_spec: str, info: dict, *, extra: str | None = None, keep: bool = True
) -> list[str]:
    """Save to the user data dir (``<name>.pt``, with ``<name>.json`` describing the run) if ``keep``, and to ``extra``."""
    state = portable_state_dict(model)
    target = paths.checkpoints_dir() / f"{checkpoint_name(model_spec)}.pt"
    targets = ([target] if keep else []) + ([Path(extra).expanduser()] if extra else [])
    buffer = io.BytesIO()
    torch.save(state, buffer)
    for path in targets:
        write_atomically(path, buffer.getvalue())
    if keep:
        write_atomically(target.with_suffix(".json"), json.dumps(info, indent=2).encode())
    return [str(p) for p in targets]
