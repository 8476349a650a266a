"""Provides Context: one error's message groups and line facts, with the look-ups readers share."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

# torch's C++ scalar names (in messages) against the dtype names learners write.
TORCH_DTYPES = {
    "Long": "int64",
    "Int": "int32",
    "Short": "int16",
    "Char": "int8",
    "Byte": "uint8",
    "Bool": "bool",
    "Float": "float32",
    "Double": "float64",
    "Half": "float16",
    "BFloat16": "bfloat16",
    "long int": "int64",
    "long": "int64",
    "int": "int32",
    "float": "float32",
    "double": "float64",
    "c10::Half": "float16",
    "c10::BFloat16": "bfloat16",
}
INTEGER_DTYPES = frozenset({"int64", "int32", "int16", "int8", "uint8", "bool"})


def dtype_name(torch_name: str) -> str:
    """``Long`` -> ``int64``, ``torch.DoubleTensor`` -> ``float64``; unknown names as they are."""
    name = torch_name.strip()
    for prefix in ("torch.cuda.", "torch."):
        if name.startswith(prefix) and name.endswith("Tensor"):
            name = name[len(prefix) : -len("Tensor")]
    return TORCH_DTYPES.get(name, name)


def shape_text(shape: list[int] | tuple[int, ...]) -> str:
    return "[" + ", ".join(str(n) for n in shape) + "]"


def numbers(text: str) -> list[int]:
    """``"2x3"``, ``"2 x 3"``, ``"1, 28, 28"`` -> their integers."""
    return [int(n) for n in text.replace("x", " ").replace(",", " ").split()]


@dataclass
class Context:
    """What a reader sees: the message's named groups, the line's facts, the caller's lesson."""

    groups: dict[str, str]
    facts: dict[str, Any]
    lang: str = "en"
    lesson_id: str | None = None
    step_names: Mapping[str, tuple[int, str]] = field(default_factory=dict)

    @property
    def names(self) -> dict[str, dict[str, Any]]:
        names = self.facts.get("names")
        return names if isinstance(names, dict) else {}

    @property
    def ops(self) -> list[dict[str, Any]]:
        ops = self.facts.get("ops")
        return [op for op in ops if isinstance(op, dict)] if isinstance(ops, list) else []

    @property
    def line(self) -> str:
        return str(self.facts.get("line") or "")

    @property
    def layer(self) -> dict[str, Any] | None:
        layer = self.facts.get("layer")
        return layer if isinstance(layer, dict) else None

    @property
    def defined(self) -> list[str]:
        defined = self.facts.get("defined")
        return [str(n) for n in defined] if isinstance(defined, list) else []

    def tensor(self, src: str | None) -> dict[str, Any] | None:
        """The facts of the tensor the learner wrote as ``src``, if it is one."""
        found = self.names.get(src or "")
        return found if isinstance(found, dict) and found.get("kind") == "tensor" else None

    def tensors(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for src, fact in self.names.items():
            if isinstance(fact, dict) and fact.get("kind") == "tensor":
                yield src, fact

    def modules(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for src, fact in self.names.items():
            if isinstance(fact, dict) and fact.get("kind") == "module":
                yield src, fact

    def find_ops(self, *names: str) -> Iterator[dict[str, Any]]:
        for op in self.ops:
            if op.get("op") in names:
                yield op

    def first_op(self, *names: str) -> dict[str, Any] | None:
        return next(self.find_ops(*names), None)

    def subject(self, op: dict[str, Any]) -> str | None:
        """The tensor an op works on: its receiver (``x.mean()``), or its first argument (``torch.mean(x)``)."""
        if op.get("recv"):
            return str(op["recv"])
        args = op.get("args") or []
        return str(args[0]) if args else None
