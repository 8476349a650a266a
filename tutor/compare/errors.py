"""Provides exception-type matching that tolerates known renames between torch versions."""

from __future__ import annotations

import builtins

# Exceptions that changed type between torch versions for the same mistake. An
# expectation naming either side accepts the other, so a lesson recorded on one
# torch passes on another. Each entry: (names, what changed).
RENAMES: tuple[tuple[frozenset[str], str], ...] = (
    (
        frozenset({"ValueError", "RuntimeError"}),
        "Tensor.item() on a tensor of several elements: ValueError in torch 1.13, "
        "RuntimeError ('a Tensor with 3 elements cannot be converted to Scalar') in torch 2",
    ),
    (
        frozenset({"RuntimeError", "OutOfMemoryError"}),
        "running out of GPU memory: a plain RuntimeError before torch 1.13, "
        "torch.cuda.OutOfMemoryError (now torch.OutOfMemoryError) since",
    ),
    (
        frozenset({"RuntimeError", "LinAlgError", "_LinAlgError"}),
        "linear algebra failures (singular matrices): a plain RuntimeError before torch 1.13, "
        "torch.linalg.LinAlgError since; its class is named _LinAlgError",
    ),
    (
        frozenset({"RuntimeError", "AcceleratorError"}),
        "CUDA errors: a plain RuntimeError in older torch, torch.AcceleratorError in recent ones",
    ),
)

# Bases of torch's own exceptions (all subclass RuntimeError), so that expecting
# RuntimeError or Exception accepts them without importing torch.
TORCH_BASES = {
    "OutOfMemoryError": "RuntimeError",
    "LinAlgError": "RuntimeError",
    "_LinAlgError": "RuntimeError",
    "AcceleratorError": "RuntimeError",
}


def short_name(name: str) -> str:
    """`torch.cuda.OutOfMemoryError` -> `OutOfMemoryError`."""
    return name.strip().rsplit(".", 1)[-1]


def ancestors(name: str) -> tuple[str, ...]:
    """The class and its bases, nearest first. Unknown classes (the learner's own, a
    library's) are taken to derive from Exception, as nearly all do."""
    name = short_name(name)
    builtin = getattr(builtins, name, None)
    if isinstance(builtin, type) and issubclass(builtin, BaseException):
        return tuple(c.__name__ for c in builtin.__mro__ if c is not object)
    if name in TORCH_BASES:
        return (name, *ancestors(TORCH_BASES[name]))
    return (name, "Exception", "BaseException")


def rename_note(expected: str, raised: str) -> str | None:
    """Why ``raised`` stands for ``expected`` under a known rename, or None."""
    pair = {short_name(expected), short_name(raised)}
    if len(pair) < 2:
        return None
    for names, note in RENAMES:
        if pair <= names:
            return note
    return None


def error_matches(expected: str, raised: str) -> tuple[bool, str | None]:
    """Whether ``raised`` satisfies an expectation of ``expected``: the same class, a
    subclass of it, or a known rename. The second item is the rename's note, if one was used."""
    if short_name(expected) in ancestors(raised):
        return True, None
    note = rename_note(expected, raised)
    return note is not None, note
