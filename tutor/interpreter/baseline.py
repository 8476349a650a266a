"""Provides the process-wide state every lesson starts from, restored when the lesson changes.

One worker serves every lesson (each in its own namespace), so what one lesson does to the
process would otherwise reach the next: ``os.chdir('/')``, ``torch.set_printoptions(precision=1)``,
a deleted or replaced builtin, a patched ``torch.Tensor.__repr__``, ``sys.setrecursionlimit``.
The worker takes a :class:`Baseline` after its warm-up. Before a cell whose namespace differs
from the previous cell's, it takes a snapshot of the leaving lesson's state and restores the
arriving lesson's own snapshot (the baseline for a new or reset lesson): cells of one lesson
keep what earlier cells set, as in a notebook, even after a visit to another lesson. A switch
costs about a millisecond; a fresh worker per lesson would cost a worker boot (~2 s of CPU,
a second process's memory while the spare boots) and every other lesson's names.

Restored: the working folder, the environment, builtins, the recursion limit, torch's and
NumPy's print options, torch's default dtype and device, grad mode, thread count and
deterministic mode, warnings filters, signal handlers (and a pending ``signal.alarm``), and the
attributes of torch, ``torch.Tensor``, ``torch.nn``, ``torch.nn.Module``,
``torch.nn.functional``, ``torch.optim``, ``torch.utils.data``, NumPy, ``math`` and ``random``
(a replaced or deleted attribute is put back; one added to a class is removed). Not restored:
other modules' attributes, objects a lesson changed in place, open files, threads; Restart
gives a fresh worker for those.
"""

from __future__ import annotations

import builtins
import contextlib
import math
import os
import random
import signal
import sys
import types
import warnings
from typing import Any

_SIGNALS = [s for s in signal.valid_signals() if s not in (signal.SIGKILL, signal.SIGSTOP)]


def _watched() -> list[Any]:
    import numpy
    import torch
    import torch.nn.functional
    import torch.optim
    import torch.utils.data

    return [
        torch,
        torch.Tensor,
        torch.nn,
        torch.nn.Module,
        torch.nn.functional,
        torch.optim,
        torch.utils.data,
        numpy,
        math,
        random,
    ]


class Baseline:
    """A snapshot of the process-wide state (taken in the worker after its warm-up)."""

    def __init__(self) -> None:
        import numpy
        import torch
        from torch._tensor_str import PRINT_OPTS

        self.cwd = os.getcwd()
        self.environ = dict(os.environ)
        self.builtins = dict(vars(builtins))
        self.recursion_limit = sys.getrecursionlimit()
        self.print_opts = dict(vars(PRINT_OPTS))
        self.numpy_print = numpy.get_printoptions()
        self.dtype = torch.get_default_dtype()
        self.device = torch.get_default_device()
        self.grad = torch.is_grad_enabled()
        self.threads = torch.get_num_threads()
        self.deterministic = torch.are_deterministic_algorithms_enabled()
        self.warnings = list(warnings.filters)
        self.handlers = {}
        for signum in _SIGNALS:
            with contextlib.suppress(OSError, ValueError):
                self.handlers[signum] = signal.getsignal(signum)
        self.attributes = [(obj, dict(vars(obj))) for obj in _watched()]

    def restore(self) -> None:
        """Put every item back (each on its own: one that fails does not stop the others)."""
        import numpy
        import torch
        from torch._tensor_str import PRINT_OPTS

        steps = [
            lambda: os.chdir(self.cwd),
            self._restore_environ,
            lambda: _restore_dict(builtins, vars(builtins), self.builtins, remove_added=True),
            lambda: sys.setrecursionlimit(self.recursion_limit),
            lambda: vars(PRINT_OPTS).update(self.print_opts),
            lambda: numpy.set_printoptions(**self.numpy_print),
            # Each only when changed: a thread count rebuilds torch's thread pool, and the first
            # use_deterministic_algorithms() call takes over a second (it imports torch._dynamo).
            lambda: torch.get_default_dtype() == self.dtype or torch.set_default_dtype(self.dtype),
            self._restore_device,
            lambda: torch.is_grad_enabled() == self.grad or torch.set_grad_enabled(self.grad),
            lambda: torch.get_num_threads() == self.threads or torch.set_num_threads(self.threads),
            lambda: (
                torch.are_deterministic_algorithms_enabled() == self.deterministic
                or torch.use_deterministic_algorithms(self.deterministic)
            ),
            self._restore_warnings,
            self._restore_signals,
            self._restore_attributes,
        ]
        for step in steps:
            with contextlib.suppress(Exception):
                step()

    def put_back_deleted_builtins(self) -> None:
        """After every cell: a builtin the cell deleted (``del builtins.len``) is put back at
        once, since the worker's own code and every library need it; replaced ones wait."""
        current = vars(builtins)
        for name, value in self.builtins.items():
            if name not in current:
                setattr(builtins, name, value)

    def _restore_environ(self) -> None:
        for key in [k for k in os.environ if k not in self.environ]:
            del os.environ[key]
        for key, value in self.environ.items():
            if os.environ.get(key) != value:
                os.environ[key] = value

    def _restore_device(self) -> None:
        import torch

        if torch.get_default_device() != self.device:
            torch.set_default_device(None if self.device.type == "cpu" else self.device)

    def _restore_warnings(self) -> None:
        if warnings.filters != self.warnings:
            warnings.filters[:] = self.warnings
            with contextlib.suppress(AttributeError):
                warnings._filters_mutated()  # type: ignore[attr-defined]

    def _restore_signals(self) -> None:
        signal.alarm(0)
        with contextlib.suppress(OSError):
            signal.setitimer(signal.ITIMER_REAL, 0)
        for signum, handler in self.handlers.items():
            if handler is not None and signal.getsignal(signum) is not handler:
                with contextlib.suppress(OSError, ValueError, TypeError):
                    signal.signal(signum, handler)

    def _restore_attributes(self) -> None:
        for obj, saved in self.attributes:
            with contextlib.suppress(Exception):
                _restore_dict(obj, vars(obj), saved, remove_added=isinstance(obj, type))


def _restore_dict(obj: Any, current: Any, saved: dict[str, Any], remove_added: bool) -> None:
    """setattr back what changed or went missing; delattr what was added (if asked)."""
    for name, value in saved.items():
        if current.get(name, _MISSING) is not value:
            with contextlib.suppress(Exception):
                setattr(obj, name, value)
    if remove_added:
        for name in [n for n in current if n not in saved]:
            if not isinstance(current.get(name), types.ModuleType):
                with contextlib.suppress(Exception):
                    delattr(obj, name)


_MISSING = object()
