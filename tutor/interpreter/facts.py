"""Provides collect(): safe facts about the failing line of a cell, for the mistake coach.

Runs in the worker when a cell raises. It finds the learner's frame (the last traceback frame
whose code came from a cell), parses the statement on the failing line, and describes the values
of the names and attribute chains used there. Only facts that cannot run learner code are read:
tensors and known ``nn.Module`` layers through torch's own C attributes, plain Python scalars,
lengths of lists, and for anything else ``type(value).__name__`` (``type()`` cannot be faked,
``__class__``, ``__repr__`` and properties can). The result is plain JSON.
"""

from __future__ import annotations

import ast
import sys
from types import FrameType, TracebackType
from typing import Any

# Cells compile as "<cell>" or "<cell-N>" (one name per run); lesson setup code is not the learner's.
_CELL_FILES = ("<cell>", "<cell-")
_MAX_NAMES = 24  # names described per line
_MAX_DEFINED = 400  # namespace names listed (NameError close matches)
_MAX_TEXT = 60  # characters of a str value kept
_MAX_SRC = 80  # characters of an operand's source kept

# Layer attributes worth reading, per exact class name (all plain ints/tuples in the instance dict).
_LAYER_FIELDS = {
    "Linear": ("in_features", "out_features"),
    "Bilinear": ("in1_features", "in2_features", "out_features"),
    "Conv1d": ("in_channels", "out_channels", "kernel_size", "stride", "padding"),
    "Conv2d": ("in_channels", "out_channels", "kernel_size", "stride", "padding"),
    "Conv3d": ("in_channels", "out_channels", "kernel_size", "stride", "padding"),
    "MaxPool1d": ("kernel_size", "stride", "padding"),
    "MaxPool2d": ("kernel_size", "stride", "padding"),
    "AvgPool1d": ("kernel_size", "stride", "padding"),
    "AvgPool2d": ("kernel_size", "stride", "padding"),
    "BatchNorm1d": ("num_features",),
    "BatchNorm2d": ("num_features",),
    "Embedding": ("num_embeddings", "embedding_dim"),
    "Flatten": ("start_dim", "end_dim"),
}
# Receivers whose calls are module functions (torch.mm, F.cross_entropy), not methods.
_MODULES = frozenset(
    {
        "torch",
        "F",
        "nn",
        "np",
        "numpy",
        "torch.nn",
        "torch.nn.functional",
        "nn.functional",
        "torch.linalg",
        "torch.special",
        "torch.fft",
    }
)


def collect(exc: BaseException, namespace: dict[str, Any], lines_of: Any) -> dict[str, Any] | None:
    """Facts about where ``exc`` left the learner's code; None when no cell frame is involved.

    ``lines_of(code)`` gives the cell lines a code object came from (or None). Never raises:
    the coach is a bonus, and a bug here must not hide the learner's own error.
    """
    try:
        return _collect(exc, namespace, lines_of)
    except Exception:  # noqa: BLE001 - see the docstring
        return None


def _collect(exc: BaseException, namespace: dict[str, Any], lines_of: Any) -> dict[str, Any] | None:
    frame, lineno, after = _cell_frame(exc.__traceback__)
    facts: dict[str, Any] = {"defined": _defined(namespace, frame)}
    device = namespace.get("device")
    torch = _torch()
    if torch is not None and type(device) is torch.device:
        facts["device"] = str(device)  # the tutor's `device`, what fixes should move things to
    if frame is None:
        return facts
    lines = lines_of(frame.f_code) or []
    statement = _statement(lines, lineno)
    facts["line"] = statement.strip()[:400] if statement else ""
    facts["function"] = frame.f_code.co_name
    if not statement:
        return facts
    try:
        tree = ast.parse(_dedent(statement))
    except SyntaxError:
        return facts
    scope = _Scope(frame)
    values: dict[str, Any] = {}
    for src, node in _operands(tree):
        if len(values) >= _MAX_NAMES:
            break
        found, value = scope.resolve(node)
        if found:
            values[src] = value
    facts["names"] = {src: describe(value) for src, value in values.items()}
    facts["ops"] = _ops(tree)
    layer = _innermost_layer(after)
    if layer is not None:
        module, inputs = layer
        facts["layer"] = {**describe(module), "path": _find_path(module, values), **inputs}
    return facts


def _cell_frame(tb: TracebackType | None) -> tuple[FrameType | None, int, list[FrameType]]:
    """The last frame whose code is a cell's, its line, and the library frames after it."""
    found: FrameType | None = None
    lineno = 0
    after: list[FrameType] = []
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith(_CELL_FILES):
            found, lineno, after = tb.tb_frame, tb.tb_lineno, []
        elif found is not None:
            after.append(tb.tb_frame)
        tb = tb.tb_next
    return found, lineno, after


def _statement(lines: list[str], lineno: int) -> str:
    """The whole simple statement that holds line ``lineno`` (a call may span lines)."""
    if not 0 < lineno <= len(lines):
        return ""
    source = "".join(lines)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return lines[lineno - 1]
    best: ast.stmt | None = None
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and node.lineno <= lineno <= (node.end_lineno or node.lineno):
            # Compound statements (for, with, def) hold others: keep the innermost simple one,
            # or the compound's own header line when the failing line is the header.
            if best is None or node.lineno >= best.lineno:
                best = node
    if best is None:
        return lines[lineno - 1]
    if isinstance(best, (ast.For, ast.While, ast.If, ast.With, ast.FunctionDef, ast.ClassDef)):
        return lines[lineno - 1]
    return "".join(lines[best.lineno - 1 : best.end_lineno or best.lineno])


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).strip() or "pass"


def _src(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= _MAX_SRC else text[: _MAX_SRC - 1] + "…"


def _chain(node: ast.AST) -> bool:
    """A name or a dotted chain of names (``x``, ``self.fc1``, ``model.conv.weight``)."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _operands(tree: ast.AST):
    """Every name and attribute chain the statement reads, longest chains first per root."""
    seen: set[str] = set()
    nodes = [n for n in ast.walk(tree) if isinstance(n, (ast.Name, ast.Attribute)) and _chain(n)]
    for node in nodes:
        src = _src(node)
        if src not in seen:
            seen.add(src)
            yield src, node


def _ops(tree: ast.AST) -> list[dict[str, Any]]:
    """The operations on the line, with their operands' source: what the coach names."""
    ops: list[dict[str, Any]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp):
            ops.append(
                {"op": _BINOPS.get(type(node.op), "?"), "args": [_src(node.left), _src(node.right)]}
            )
        elif isinstance(node, ast.AugAssign):
            op = _BINOPS.get(type(node.op), "?") + "="
            ops.append({"op": op, "args": [_src(node.target), _src(node.value)]})
        elif isinstance(node, ast.Call):
            call: dict[str, Any] = {"args": [_src(a) for a in node.args]}
            func = node.func
            if isinstance(func, ast.Attribute):
                receiver = _src(func.value)
                call["op"] = func.attr
                if receiver in _MODULES:
                    call["module"] = receiver
                else:
                    call["recv"] = receiver
            else:
                call["op"] = _src(func)
            kwargs = {k.arg: _src(k.value) for k in node.keywords if k.arg}
            if kwargs:
                call["kwargs"] = kwargs
            ops.append(call)
        elif isinstance(node, ast.Subscript):
            ops.append({"op": "[]", "recv": _src(node.value), "args": [_src(node.slice)]})
        if len(ops) >= 40:
            break
    return ops


_BINOPS = {
    ast.MatMult: "@",
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
}


class _Scope:
    """Looks names up as the failing frame would (locals, then globals), reading nothing else."""

    def __init__(self, frame: FrameType) -> None:
        self.locals = frame.f_locals
        self.globals = frame.f_globals

    def lookup(self, name: str) -> tuple[bool, Any]:
        for space in (self.locals, self.globals):
            if name in space:
                return True, space[name]
        return False, None

    def resolve(self, node: ast.AST) -> tuple[bool, Any]:
        if isinstance(node, ast.Name):
            return self.lookup(node.id)
        if isinstance(node, ast.Attribute):
            found, base = self.resolve(node.value)
            if found:
                return _module_member(base, node.attr)
        return False, None


def _torch() -> Any:
    return sys.modules.get("torch")


def _is_tensor(value: Any) -> bool:
    torch = _torch()
    # Tensor and Parameter only: a learner's subclass may override attributes with Python code.
    return torch is not None and type(value) in (torch.Tensor, torch.nn.Parameter)


def _is_module(value: Any) -> bool:
    torch = _torch()
    # issubclass of type(): isinstance would read a learner's __class__ property.
    return torch is not None and issubclass(type(value), torch.nn.Module)


def _instance_dict(value: Any) -> dict[str, Any]:
    try:
        found = object.__getattribute__(value, "__dict__")
    except AttributeError:
        return {}
    return found if type(found) is dict else {}


def _module_member(module: Any, attr: str) -> tuple[bool, Any]:
    """A layer's child, parameter or buffer, read from its own dicts (no __getattr__ call)."""
    if not _is_module(module):
        return False, None
    own = _instance_dict(module)
    for store in ("_modules", "_parameters", "_buffers"):
        table = own.get(store)
        if type(table) is dict and attr in table:
            return True, table[attr]
    if attr in own and type(own[attr]) in (int, float, bool, tuple):
        return True, own[attr]
    return False, None


def describe(value: Any) -> dict[str, Any]:
    """Safe facts about one value (see the module docstring for what is read)."""
    kind = type(value)
    if value is None:
        return {"kind": "none"}
    if kind in (bool, int, float):
        return {"kind": kind.__name__, "value": value}
    if kind is str:
        return {"kind": "str", "value": value[:_MAX_TEXT], "len": len(value)}
    if kind in (list, tuple):
        return _describe_sequence(value)
    if _is_tensor(value):
        return _describe_tensor(value)
    torch = _torch()
    if torch is not None:
        if kind is torch.Size:
            return {"kind": "size", "value": [int(n) for n in tuple.__iter__(value)]}
        if kind in (torch.dtype, torch.device):
            return {"kind": kind.__name__, "value": str(value)}
        if _is_module(value):
            return _describe_module(value)
    numpy = sys.modules.get("numpy")
    if numpy is not None and kind is numpy.ndarray:
        return {"kind": "ndarray", "shape": list(value.shape), "dtype": str(value.dtype)}
    return {"kind": "object", "type": kind.__name__}


def _describe_sequence(value: list | tuple) -> dict[str, Any]:
    facts: dict[str, Any] = {"kind": type(value).__name__, "len": len(value)}
    items = value[:8]
    if all(type(v) in (int, float, bool) for v in items):
        facts["values"] = list(items)
    elif all(type(v) in (list, tuple) for v in items):
        facts["lens"] = [len(v) for v in items]
    elif all(_is_tensor(v) for v in items):
        facts["shapes"] = [list(v.shape) for v in items]
    return facts


def _describe_tensor(t: Any) -> dict[str, Any]:
    grad_fn = t.grad_fn
    return {
        "kind": "tensor",
        "shape": list(t.shape),
        "dtype": str(t.dtype).removeprefix("torch."),
        "device": str(t.device),
        "requires_grad": bool(t.requires_grad),
        "is_leaf": bool(t.is_leaf),
        "grad_fn": type(grad_fn).__name__ if grad_fn is not None else None,
        "contiguous": bool(t.is_contiguous()),
        "version": int(t._version),  # in-place changes so far (autograd's saved-tensor check)
    }


def _describe_module(module: Any) -> dict[str, Any]:
    name = type(module).__name__
    facts: dict[str, Any] = {"kind": "module", "class": name}
    own = _instance_dict(module)
    if type(module).__module__.startswith("torch.nn") and name in _LAYER_FIELDS:
        for field in _LAYER_FIELDS[name]:
            value = own.get(field)
            if type(value) in (int, bool) or (
                type(value) is tuple and all(type(v) is int for v in value)
            ):
                facts[field] = list(value) if type(value) is tuple else value
    params = own.get("_parameters")
    weight = params.get("weight") if type(params) is dict else None
    if _is_tensor(weight):
        facts["weight"] = {
            "shape": list(weight.shape),
            "dtype": str(weight.dtype).removeprefix("torch."),
            "device": str(weight.device),
        }
    return facts


def _innermost_layer(frames: list[FrameType]) -> tuple[Any, dict[str, Any]] | None:
    """The innermost torch layer whose forward was running when the error happened, and its input."""
    for frame in reversed(frames):
        if frame.f_code.co_name not in ("forward", "_conv_forward"):
            continue
        local = frame.f_locals
        module = local.get("self")
        if _is_module(module) and type(module).__name__ in _LAYER_FIELDS:
            inputs: dict[str, Any] = {}
            given = local.get("input")
            if _is_tensor(given):
                inputs["input"] = _describe_tensor(given)
            return module, inputs
    return None


def _find_path(target: Any, values: dict[str, Any]) -> str | None:
    """The learner's name for a layer: a name on the line, or a path inside a model on the line."""
    for src, value in values.items():
        if value is target:
            return src
        path = _search(value, target, src, depth=3)
        if path:
            return path
    return None


def _search(module: Any, target: Any, prefix: str, depth: int) -> str | None:
    if depth == 0 or not _is_module(module):
        return None
    children = _instance_dict(module).get("_modules")
    if type(children) is not dict:
        return None
    for key, child in children.items():
        path = f"{prefix}[{key}]" if str(key).isdigit() else f"{prefix}.{key}"
        if child is target:
            return path
        deeper = _search(child, target, path, depth - 1)
        if deeper:
            return deeper
    return None


def _defined(namespace: dict[str, Any], frame: FrameType | None) -> list[str]:
    """The learner's names: the namespace's (and the failing function's locals), not dunders."""
    names = {n for n in namespace if not n.startswith("__")}
    if frame is not None and frame.f_code.co_name != "<module>":
        names.update(n for n in frame.f_locals if not n.startswith("__"))
    return sorted(names)[:_MAX_DEFINED]
