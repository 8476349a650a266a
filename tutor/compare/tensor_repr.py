"""Provides a parser of printed torch tensors (`tensor(...)`, `torch.Size([...])`); it never raises."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .numeric import ELEMENT, Value, element_value

# torch leaves the dtype out for these (torch/_tensor_str.py: has_default_dtype),
# assuming the default dtype is float32.
_IMPLIED_DTYPE = {
    "b": "torch.bool",
    "i": "torch.int64",
    "f": "torch.float32",
    "c": "torch.complex64",
}
_MAX_DEPTH = 32

_WS = re.compile(r"\s*")
# `, key=value` after the data: device='cuda:0', dtype=torch.float64, grad_fn=<MulBackward0>,
# requires_grad=True, size=(0, 3), layout=torch.sparse_coo, nnz=2. torch may wrap them onto
# new lines, so whitespace is free on both sides of the comma.
_SUFFIX = re.compile(r"\s*,\s*(\w+)=('[^'\n]*'|<[^<>\n]*>|\([^()\n]*\)|[\w.:+-]+)")
_CLOSE = re.compile(r"\s*\)")
_SIZE = re.compile(r"torch\.Size\(\[\s*((?:\d+\s*,\s*)*\d+)?\s*,?\s*\]\)")


class _Bad(Exception):
    """The text at hand is not a tensor repr."""


def _skip_ws(text: str, pos: int) -> int:
    m = _WS.match(text, pos)  # \s* matches everywhere, so m is never None
    return m.end() if m else pos


@dataclass(slots=True)
class Element:
    """One printed number, with its place in the tensor and in the source text."""

    index: tuple[int, ...]  # negative after a `...`: counted from the end, as in Python
    value: Value
    start: int
    end: int
    slack: float  # half a unit in the last printed digit


@dataclass(slots=True)
class TensorRepr:
    """A parsed `tensor(...)` repr."""

    start: int
    end: int
    # None marks a summarised dim: torch showed only its corners, so its size is unknown.
    shape: tuple[int | None, ...]
    shown: tuple[int, ...]  # items shown per dim
    elements: list[Element]
    dtype: str
    # key -> (value, start, end); values without quotes or angle brackets.
    suffixes: dict[str, tuple[str, int, int]] = field(default_factory=dict)

    @property
    def device(self) -> str:
        # torch prints the device only when it is not the default one, which is cpu.
        return self.suffixes["device"][0] if "device" in self.suffixes else "cpu"

    @property
    def grad_fn(self) -> str | None:
        return self.suffixes["grad_fn"][0] if "grad_fn" in self.suffixes else None

    @property
    def requires_grad(self) -> bool:
        return "grad_fn" in self.suffixes or "requires_grad" in self.suffixes

    def shape_text(self) -> str:
        return shape_text(self.shape, self.shown)


@dataclass(slots=True)
class SizeRepr:
    """A parsed `torch.Size([...])`."""

    start: int
    end: int
    dims: tuple[int, ...]

    def text(self) -> str:
        return f"torch.Size([{', '.join(map(str, self.dims))}])"


def shape_text(shape: tuple[int | None, ...], shown: tuple[int, ...] = ()) -> str:
    """`(3, 4)`; a summarised dim reads `>6` (more than the 6 items shown)."""
    parts = [
        str(d) if d is not None else f">{shown[i] if i < len(shown) else '?'}"
        for i, d in enumerate(shape)
    ]
    return f"({parts[0]},)" if len(parts) == 1 else f"({', '.join(parts)})"


def parse_size(text: str, pos: int) -> SizeRepr | None:
    """The `torch.Size([...])` starting at ``pos``, or None."""
    m = _SIZE.match(text, pos)
    if m is None:
        return None
    dims = tuple(int(d) for d in m.group(1).split(",")) if m.group(1) else ()
    return SizeRepr(pos, m.end(), dims)


def parse_tensor(text: str, pos: int) -> TensorRepr | None:
    """The `tensor(...)` starting at ``pos`` (at the `t`), or None if it is not one."""
    try:
        return _parse(text, pos)
    except (_Bad, ValueError, IndexError, OverflowError, RecursionError):
        return None


def _parse(text: str, start: int) -> TensorRepr:
    if not text.startswith("tensor(", start):
        raise _Bad
    pos = _skip_ws(text, start + 7)
    if text.startswith("[", pos):
        node, pos = _parse_list(text, pos, 0)
        elements: list[Element] = []
        kinds: set[str] = set()
        shape, shown = _flatten(node, (), elements, kinds)
    else:
        m = ELEMENT.match(text, pos)
        if m is None:
            raise _Bad
        value, kind, slack = element_value(m)
        elements = [Element((), value, m.start(), m.end(), slack)]
        kinds = {kind}
        shape, shown = (), ()
        pos = m.end()
    suffixes: dict[str, tuple[str, int, int]] = {}
    while (m := _SUFFIX.match(text, pos)) is not None:
        raw = m.group(2)
        suffixes[m.group(1)] = (raw[1:-1] if raw[:1] in "'<" else raw, m.start(1), m.end())
        pos = m.end()
    m = _CLOSE.match(text, pos)
    if m is None:
        raise _Bad
    if "size" in suffixes:
        # Printed for empty tensors (and with edgeitems=0): the true shape.
        size_text = suffixes["size"][0].strip("()").replace(" ", "")
        shape = tuple(int(d) for d in size_text.split(",") if d)
        shown = tuple(0 for _ in shape)
    dtype = suffixes["dtype"][0] if "dtype" in suffixes else _implied_dtype(kinds)
    return TensorRepr(start, m.end(), shape, shown, elements, dtype, suffixes)


def _implied_dtype(kinds: set[str]) -> str:
    for kind in ("c", "f", "b"):
        if kind in kinds:
            return _IMPLIED_DTYPE[kind]
    # `tensor([])` with no dtype suffix is the default float dtype.
    return _IMPLIED_DTYPE["i"] if kinds else _IMPLIED_DTYPE["f"]


# A list node: (items, ellipsis position or -1); items are all leaves or all lists.
# A leaf is (value, kind, slack, start, end).
_Leaf = tuple[Value, str, float, int, int]
_Node = tuple[list["_Leaf | _Node"], int]


def _parse_list(text: str, pos: int, depth: int) -> tuple[_Node, int]:
    if depth > _MAX_DEPTH:
        raise _Bad
    pos += 1  # the "["
    items: list[_Leaf | _Node] = []
    ellipsis = -1
    while True:
        pos = _skip_ws(text, pos)
        ch = text[pos]
        if ch == "]" and not items and ellipsis < 0:
            return (items, ellipsis), pos + 1
        if ch == "[":
            child, pos = _parse_list(text, pos, depth + 1)
            items.append(child)
        elif text.startswith("...", pos):
            if ellipsis >= 0:
                raise _Bad
            ellipsis = len(items)
            pos += 3
        else:
            m = ELEMENT.match(text, pos)
            if m is None:
                raise _Bad
            value, kind, slack = element_value(m)
            items.append((value, kind, slack, m.start(), m.end()))
            pos = m.end()
        pos = _skip_ws(text, pos)
        ch = text[pos]
        if ch == ",":
            pos += 1
        elif ch == "]":
            return (items, ellipsis), pos + 1
        else:
            raise _Bad


def _flatten(
    node: _Node, prefix: tuple[int, ...], out: list[Element], kinds: set[str]
) -> tuple[tuple[int | None, ...], tuple[int, ...]]:
    """Append the node's elements to ``out``; return its (shape, shown) below ``prefix``."""
    items, ellipsis = node
    n = len(items)
    dim = n if ellipsis < 0 else None
    if n == 0:
        if ellipsis >= 0:
            raise _Bad
        return (0,), (0,)
    leaves = len(items[0]) == 5
    inner: tuple[tuple[int | None, ...], tuple[int, ...]] | None = None
    for i, item in enumerate(items):
        index = prefix + ((i - n) if 0 <= ellipsis <= i else i,)
        if leaves:
            if len(item) != 5:
                raise _Bad
            value, kind, slack, start, end = item
            out.append(Element(index, value, start, end, slack))
            kinds.add(kind)
        else:
            if len(item) != 2:
                raise _Bad
            sub = _flatten(item, index, out, kinds)
            if inner is None:
                inner = sub
            elif sub != inner:
                raise _Bad  # ragged: not something torch prints
    if leaves:
        return (dim,), (n,)
    if inner is None:
        raise _Bad
    return (dim, *inner[0]), (n, *inner[1])
