"""Provides the catalogue's readers: each fills an entry's placeholders from a Context, or says no.

A reader returns a dict of placeholder values (plus ``_text``/``_fix`` to pick a named variant of
the entry's text or fix, ``""`` for no fix), or None when the facts do not support the entry: the
coach then tries the next entry, and says nothing if none applies. Readers name what the learner
wrote (operands' source, layer paths) and numbers from the message or the facts; never a guess.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import math
import re
from collections.abc import Callable
from typing import Any

from tutor.coach.context import INTEGER_DTYPES, Context, dtype_name, numbers, shape_text

Fields = dict[str, Any]
READERS: dict[str, Callable[[Context], Fields | None]] = {}

_MATMUL_OPS = ("@", "mm", "matmul", "mv", "bmm", "dot")
_LOSSES = {"cross_entropy": "F.cross_entropy", "nll_loss": "F.nll_loss"}
_LOSS_MODULES = ("CrossEntropyLoss", "NLLLoss")


def reader(func: Callable[[Context], Fields | None]) -> Callable[[Context], Fields | None]:
    READERS[func.__name__] = func
    return func


@reader
def message(ctx: Context) -> Fields | None:
    """The message alone says enough (the entry's text uses only its groups)."""
    return {}


def _layer_name(ctx: Context, layer: dict[str, Any]) -> str:
    path = layer.get("path")
    if path:
        return str(path)
    for src, fact in ctx.modules():
        if fact.get("class") == layer.get("class") and all(
            fact.get(k) == layer.get(k) for k in ("in_features", "in_channels", "kernel_size")
        ):
            return src
    return f"nn.{layer.get('class')}"


def _layer_input(ctx: Context, layer: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The learner's name for the tensor a layer got, and its facts."""
    given = layer.get("input") if isinstance(layer.get("input"), dict) else None
    candidates = list(ctx.tensors())
    if given is not None:
        for src, fact in candidates:
            if fact.get("shape") == given.get("shape") and fact.get("dtype") == given.get("dtype"):
                return src, fact
    name = layer.get("path")
    for op in ctx.ops:
        if op.get("op") in (name, "forward") and op.get("args"):
            arg = str(op["args"][0])
            if (found := ctx.tensor(arg)) is not None:
                return arg, found
            if given is not None:
                return arg, given
    if given is not None and len(candidates) == 0:
        return "input", given
    if given is None and len(candidates) == 1:
        return candidates[0]
    return None


def _known_layer(ctx: Context, *classes: str) -> dict[str, Any] | None:
    layer = ctx.layer
    if layer is not None and layer.get("class") in classes:
        return layer
    found = [(src, fact) for src, fact in ctx.modules() if fact.get("class") in classes]
    if len(found) == 1:
        src, fact = found[0]
        return {**fact, "path": src}
    return None


@reader
def linear(ctx: Context) -> Fields | None:
    g = ctx.groups
    layer = _known_layer(ctx, "Linear")
    if layer is None or layer.get("in_features") != int(g["want"]):
        return None
    if layer.get("out_features") != int(g["out"]):
        return None
    found = _layer_input(ctx, layer)
    if found is None:
        return None
    src, fact = found
    shape = fact.get("shape") or []
    fields: Fields = {
        "layer": _layer_name(ctx, layer),
        "in_features": layer["in_features"],
        "out_features": layer["out_features"],
        "input": src,
        "input_shape": shape_text(shape),
        "got": int(g["got"]),
    }
    per_sample = math.prod(shape[1:]) if len(shape) > 2 else None
    if per_sample == layer["in_features"]:
        fields.update(_text="flatten", _fix="flatten", per_sample=per_sample)
    return fields


def _operands(ctx: Context) -> tuple[dict[str, Any], str, str] | None:
    op = ctx.first_op(*_MATMUL_OPS)
    if op is None:
        return None
    args = [str(a) for a in op.get("args") or []]
    if op["op"] == "@" or op.get("module"):
        if len(args) < 2:
            return None
        return op, args[0], args[1]
    if op.get("recv") and args:
        return op, str(op["recv"]), args[0]
    return None


def _expr(op: dict[str, Any], left: str, right: str) -> str:
    if op["op"] == "@":
        return f"{left} @ {right}"
    if op.get("module"):
        return f"{op['module']}.{op['op']}({left}, {right})"
    return f"{left}.{op['op']}({right})"


@reader
def matmul(ctx: Context) -> Fields | None:
    found = _operands(ctx)
    if found is None:
        return None
    op, left, right = found
    lf, rf = ctx.tensor(left), ctx.tensor(right)
    g = ctx.groups
    if lf is not None and rf is not None:
        ls, rs = list(lf["shape"]), list(rf["shape"])
    elif "m1" in g and "m2" in g:
        ls, rs = numbers(g["m1"]), numbers(g["m2"])
    else:
        return None
    if not ls or not rs:
        return None
    k_right = rs[-2] if len(rs) >= 2 else rs[0]
    if ls[-1] == k_right:
        return None  # the facts do not show this mismatch: not the line that failed
    fields: Fields = {
        "expr": _expr(op, left, right),
        "left": left,
        "right": right,
        "left_shape": shape_text(ls),
        "right_shape": shape_text(rs),
        "k_left": ls[-1],
        "k_right": k_right,
        "which": "first" if len(rs) <= 2 else "second-to-last",
        "which_zh": "第一维" if len(rs) <= 2 else "倒数第二维",
        "t": "T" if len(rs) <= 2 and len(ls) <= 2 else "mT",
        "_fix": "",
    }
    if op["op"] == "@" and len(rs) >= 2 and ls[-1] == rs[-1]:
        fields["_fix"] = "right_t"
    elif op["op"] == "@" and len(ls) >= 2 and len(rs) >= 2 and ls[-2] == rs[-2]:
        fields["_fix"] = "left_t"
    return fields


@reader
def matmul_dtype(ctx: Context) -> Fields | None:
    if _known_layer(ctx, "Linear") is not None:
        return None
    found = _operands(ctx)
    if found is None:
        return None
    _op, left, right = found
    lf, rf = ctx.tensor(left), ctx.tensor(right)
    if lf is not None and rf is not None:
        ld, rd = lf["dtype"], rf["dtype"]
    else:
        ld, rd = dtype_name(ctx.groups.get("d1", "")), dtype_name(ctx.groups.get("d2", ""))
    if ld == rd:
        return None
    fields: Fields = {"left": left, "right": right, "left_dtype": ld, "right_dtype": rd}
    # Convert the side that is not float32 (the dtype layers and most data use).
    if rd != "float32" and ld == "float32":
        fields["fixed"] = f"{left} @ {right}.float()"
    elif ld != "float32" and rd == "float32":
        fields["fixed"] = f"{left}.float() @ {right}"
    else:
        fields["fixed"] = f"{left} @ {right}.to({left}.dtype)"
    return fields


@reader
def layer_dtype(ctx: Context) -> Fields | None:
    layer = _known_layer(ctx, "Linear", "Conv1d", "Conv2d", "Conv3d", "Bilinear")
    if layer is None or not isinstance(layer.get("weight"), dict):
        return None
    found = _layer_input(ctx, layer)
    if found is None:
        return None
    src, fact = found
    weight_dtype, input_dtype = layer["weight"].get("dtype"), fact.get("dtype")
    if weight_dtype == input_dtype:
        return None
    fields: Fields = {
        "layer": _layer_name(ctx, layer),
        "input": src,
        "weight_dtype": weight_dtype,
        "input_dtype": input_dtype,
    }
    if input_dtype == "float64" and weight_dtype == "float32":
        fields["_text"] = "numpy"
    return fields


def _aligned(rows: list[tuple[str, list[int]]], clash: int) -> str:
    """Shapes aligned from the right, with a mark under the clashing column (its index from the left
    of the longest shape)."""
    ndim = max(len(shape) for _, shape in rows)
    width = max(len(str(n)) for _, shape in rows for n in shape)
    label = max(len(name) for name, _ in rows) + 1
    lines = []
    for name, shape in rows:
        cells = [" " * width] * (ndim - len(shape)) + [str(n).rjust(width) for n in shape]
        lines.append(f"  {(name + ':').ljust(label)} " + "  ".join(cells))
    lines.append(
        "  "
        + " " * (label + 1)
        + "  ".join(("^" if i == clash else " ").rjust(width) for i in range(ndim)).rstrip()
    )
    return "\n".join(lines)


@reader
def broadcast(ctx: Context) -> Fields | None:
    a, b, dim = int(ctx.groups["a"]), int(ctx.groups["b"]), int(ctx.groups["dim"])
    for op in ctx.ops:
        args = [str(x) for x in op.get("args") or []]
        sides = [op["recv"], *args[:1]] if op.get("recv") else args[:2]
        if len(sides) != 2:
            continue
        lf, rf = ctx.tensor(sides[0]), ctx.tensor(sides[1])
        if lf is None or rf is None:
            continue
        ls, rs = list(lf["shape"]), list(rf["shape"])
        ndim = max(len(ls), len(rs))
        pl, pr = [1] * (ndim - len(ls)) + ls, [1] * (ndim - len(rs)) + rs
        if dim >= ndim or pl[dim] != a or pr[dim] != b:
            continue
        fields: Fields = {
            "left": sides[0],
            "right": sides[1],
            "a": a,
            "b": b,
            "picture": _aligned([(sides[0], ls), (sides[1], rs)], dim),
            "_fix": "",
        }
        symbol = op["op"] if op["op"] in ("+", "-", "*", "/") else None
        # The usual intent: a vector that lines up with the *first* dimensions of the other.
        for small, big, which in ((rs, ls, 1), (ls, rs, 0)):
            if symbol and 0 < len(small) < len(big) and big[: len(small)] == small:
                pad = ", ".join([":"] * len(small) + ["None"] * (len(big) - len(small)))
                lhs, rhs = sides
                if which == 1:
                    rhs = f"{rhs}[{pad}]"
                else:
                    lhs = f"{lhs}[{pad}]"
                fields.update(fixed=f"{lhs} {symbol} {rhs}", _fix="default")
                break
        return fields
    return None


def _inplace(ctx: Context) -> Fields | None:
    """The in-place operation on the line: ``x += y`` or ``x.add_(y)``."""
    for op in ctx.ops:
        name = str(op.get("op", ""))
        args = [str(x) for x in op.get("args") or []]
        if name.endswith("=") and len(args) == 2:
            return {"target": args[0], "outofplace": f"{args[0]} {name[:-1]} {args[1]}"}
        if name.endswith("_") and not name.startswith("_") and op.get("recv"):
            recv = str(op["recv"])
            call = ", ".join(args)
            return {"target": recv, "outofplace": f"{recv}.{name[:-1]}({call})"}
    return None


@reader
def inplace_target(ctx: Context) -> Fields | None:
    fields = _inplace(ctx)
    if fields is None:
        return None
    return {**fields, "line": ctx.line}


@reader
def inplace_cast(ctx: Context) -> Fields | None:
    fields = _inplace(ctx)
    if fields is None:
        return None
    fact = ctx.tensor(fields["target"])
    dtype = fact["dtype"] if fact else dtype_name(ctx.groups["out"])
    result = dtype_name(ctx.groups["result"])
    target = fields["target"]
    rest = fields["outofplace"][len(target) :]
    # `x.add_(0.5)` -> `x.float().add(0.5)`; `x += y` -> `x.float() + y`.
    return {
        **fields,
        "line": ctx.line,
        "dtype": dtype,
        "result": result,
        "outofplace": f"{target}.float(){rest}",
    }


@reader
def view_noncontiguous(ctx: Context) -> Fields | None:
    for op in ctx.find_ops("view"):
        recv = op.get("recv")
        fact = ctx.tensor(recv)
        if recv and fact is not None and not fact.get("contiguous", True):
            return {
                "recv": recv,
                "shape": shape_text(fact["shape"]),
                "args": ", ".join(op.get("args") or []),
            }
    return None


@reader
def view_size(ctx: Context) -> Fields | None:
    numel = int(ctx.groups["numel"])
    target = numbers(ctx.groups["target"].replace("-", " -")) if ctx.groups["target"] else []
    for op in ctx.find_ops("view", "reshape"):
        recv = op.get("recv")
        fact = ctx.tensor(recv)
        if fact is None or math.prod(fact["shape"]) != numel:
            continue
        wanted = math.prod(n for n in target if n != -1) if target else 1
        fields: Fields = {
            "recv": recv,
            "numel": numel,
            "shape": shape_text(fact["shape"]),
            "target": ctx.groups["target"],
            "wanted": wanted,
            "op": op["op"],
            "_fix": "",
        }
        if -1 in target:
            # The usual case: x.view(-1, 320) before a Linear, on a tensor whose per-sample size
            # is not 320; one row per sample is what the layer after it expects.
            fields.update(_text="minus_one", _fix="per_sample" if len(fact["shape"]) > 2 else "")
            return fields
        # -1 in the first place works when the other sizes divide the element count.
        rest = [n for n in target[1:] if n != -1]
        if len(target) >= 2 and rest and numel % math.prod(rest) == 0:
            fields.update(minus_one=", ".join(["-1", *map(str, rest)]), _fix="default")
        return fields
    return None


@reader
def ragged(ctx: Context) -> Fields | None:
    op = ctx.first_op("tensor", "as_tensor", "Tensor", "FloatTensor", "LongTensor")
    if op is None or not op.get("args"):
        return None
    return {"arg": str(op["args"][0])}


def _list_items(src: str) -> list[str] | None:
    """``"[a, b]"`` -> ``["a", "b"]``; None when the argument is not a list literal."""
    try:
        node = ast.parse(src, mode="eval").body
    except SyntaxError:
        return None
    if isinstance(node, (ast.List, ast.Tuple)):
        return [ast.unparse(e) for e in node.elts]
    return None


def _joined(ctx: Context, *ops: str) -> tuple[str, list[str]] | None:
    op = ctx.first_op(*ops)
    if op is None or not op.get("args"):
        return None
    arg = str(op["args"][0])
    items = _list_items(arg)
    return (arg, items) if items else None


@reader
def stack(ctx: Context) -> Fields | None:
    found = _joined(ctx, "stack")
    if found is None:
        return None
    arg, items = found
    e1, e2 = int(ctx.groups["e1"]), int(ctx.groups["e2"])
    if max(e1, e2) >= len(items):
        return None
    s1, s2 = numbers(ctx.groups["s1"]), numbers(ctx.groups["s2"])
    fields: Fields = {"arg": arg, "first": items[e1], "second": items[e2], "_fix": ""}
    if len(s1) == len(s2) and s1[1:] == s2[1:]:
        fields["_fix"] = "default"  # equal but for dim 0: joining end to end is what fits
    return fields


@reader
def cat(ctx: Context) -> Fields | None:
    found = _joined(ctx, "cat", "concat", "concatenate")
    if found is None:
        return None
    arg, items = found
    index = int(ctx.groups["index"])
    if index >= len(items) or index == 0:
        return None
    first, second = ctx.tensor(items[0]), ctx.tensor(items[index])
    if first is None or second is None:
        return None
    fs, ss = first["shape"], second["shape"]
    dim = int(ctx.groups["dim"])
    named = ctx.groups.get("other")
    if named is None:
        differing = [i for i in range(min(len(fs), len(ss))) if i != dim and fs[i] != ss[i]]
        if not differing:
            return None
        other = differing[0]
    else:
        other = int(named)
    fields: Fields = {
        "arg": arg,
        "first": items[0],
        "second": items[index],
        "first_shape": shape_text(fs),
        "second_shape": shape_text(ss),
        "other": other,
        "_fix": "",
    }
    # Joining along the dimension that differs works when every other one matches.
    if len(fs) == len(ss) and all(fs[i] == ss[i] for i in range(len(fs)) if i != other):
        fields["_fix"] = "default"
    return fields


@reader
def dim_range(ctx: Context) -> Fields | None:
    got = int(ctx.groups["got"])
    for op in ctx.ops:
        kwargs = op.get("kwargs") or {}
        args = [str(a) for a in op.get("args") or []]
        uses = kwargs.get("dim") == str(got) or str(got) in args
        recv = ctx.subject(op)
        fact = ctx.tensor(recv)
        if not uses or fact is None:
            continue
        ndim = len(fact["shape"])
        if ndim != int(ctx.groups["hi"]) + 1:
            continue
        fields: Fields = {
            "recv": recv,
            "ndim": ndim,
            "shape": shape_text(fact["shape"]),
            "_fix": "",
        }
        if got == ndim and kwargs.get("dim") == str(got):
            fixed = ctx.line.replace(f"dim={got}", f"dim={ndim - 1}")
            fields.update(fixed=fixed, _fix="default")
        return fields
    return None


@reader
def index_range(ctx: Context) -> Fields | None:
    dim, size = int(ctx.groups["dim"]), int(ctx.groups["size"])
    for op in ctx.find_ops("[]", "index_select", "gather"):
        recv = op.get("recv") or ctx.subject(op)
        fact = ctx.tensor(recv)
        if fact is None or len(fact["shape"]) <= dim or fact["shape"][dim] != size:
            continue
        return {"recv": recv, "shape": shape_text(fact["shape"]), "last": size - 1}
    return None


_FLOAT_OPS = ("mean", "softmax", "log_softmax", "norm", "std", "var", "vector_norm")


@reader
def int_op(ctx: Context) -> Fields | None:
    for op in ctx.find_ops(*_FLOAT_OPS):
        recv = ctx.subject(op)
        fact = ctx.tensor(recv)
        if fact is None and recv and "(" in recv and ctx.groups.get("torch_dtype"):
            # An expression such as torch.arange(5): its dtype is the one the message names.
            fact = {"dtype": dtype_name(ctx.groups["torch_dtype"])}
        if fact is None or fact["dtype"] not in INTEGER_DTYPES:
            continue
        args = [str(a) for a in op.get("args") or []]
        kwargs = [f"{k}={v}" for k, v in (op.get("kwargs") or {}).items()]
        if op.get("recv"):
            call = f"{recv}.float().{op['op']}({', '.join(args + kwargs)})"
        else:
            call = (
                f"{op['module']}.{op['op']}({', '.join([f'{recv}.float()', *args[1:], *kwargs])})"
            )
        torch_dtype = ctx.groups.get("torch_dtype") or fact["dtype"]
        return {
            "recv": recv,
            "dtype": fact["dtype"],
            "torch_dtype": torch_dtype,
            "op": op["op"],
            "fixed": call,
        }
    return None


def _loss_call(ctx: Context) -> tuple[str, list[str]] | None:
    for op in ctx.ops:
        name, args = str(op.get("op")), [str(a) for a in op.get("args") or []]
        if name in _LOSSES and len(args) >= 2:
            return _LOSSES[name], args
        fact = ctx.names.get(name)
        if isinstance(fact, dict) and fact.get("class") in _LOSS_MODULES and len(args) >= 2:
            return name, args
    return None


@reader
def ce_target(ctx: Context) -> Fields | None:
    found = _loss_call(ctx)
    if found is None:
        return None
    loss, args = found
    fact = ctx.tensor(args[1])
    if fact is None:
        return None
    return {
        "loss": loss,
        "target": args[1],
        "dtype": fact["dtype"],
        "shape": shape_text(fact["shape"]),
    }


_ELEMENTWISE_LOSSES = {
    "mse_loss": "F.mse_loss",
    "l1_loss": "F.l1_loss",
    "binary_cross_entropy": "F.binary_cross_entropy",
    "binary_cross_entropy_with_logits": "F.binary_cross_entropy_with_logits",
}
_ELEMENTWISE_MODULES = ("MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss")


@reader
def onehot_needed(ctx: Context) -> Fields | None:
    """Class indices given to a loss that compares element by element (it wants one-hot rows)."""
    for op in ctx.ops:
        name, args = str(op.get("op")), [str(a) for a in op.get("args") or []]
        fact = ctx.names.get(name)
        module = isinstance(fact, dict) and fact.get("class") in _ELEMENTWISE_MODULES
        if (name not in _ELEMENTWISE_LOSSES and not module) or len(args) < 2:
            continue
        out, target = ctx.tensor(args[0]), ctx.tensor(args[1])
        if out is None or target is None:
            return None
        os_, ts = out["shape"], target["shape"]
        if len(os_) != 2 or ts != os_[:1] or os_[1] < 2:
            return None  # not (N, C) against (N,): some other shape mistake
        src = args[1]
        long_src = src if target["dtype"] == "int64" else f"{src}.long()"
        return {
            "loss": _ELEMENTWISE_LOSSES.get(name, name),
            "output": args[0],
            "target": src,
            "output_shape": shape_text(os_),
            "target_shape": shape_text(ts),
            "classes": os_[1],
            "target_long": long_src,
        }
    return None


@reader
def ce_column(ctx: Context) -> Fields | None:
    fields = ce_target(ctx)
    if fields is None:
        return None
    target = ctx.tensor(fields["target"])
    if target is None:
        return None
    shape = target["shape"]
    if len(shape) != 2 or shape[1] != 1 or target["dtype"] not in INTEGER_DTYPES:
        return None
    return {**fields, "n": shape[0]}


@reader
def model_device(ctx: Context) -> Fields | None:
    layer = _known_layer(
        ctx,
        "Linear",
        "Conv1d",
        "Conv2d",
        "Conv3d",
        "BatchNorm1d",
        "BatchNorm2d",
        "Embedding",
        "Bilinear",
    )
    if layer is None or not isinstance(layer.get("weight"), dict):
        return None
    found = _layer_input(ctx, layer)
    if found is None:
        return None
    src, fact = found
    weight_device = layer["weight"].get("device")
    if weight_device == fact.get("device"):
        return None
    # The tutor's `device` when the layer is there already, else the layer's own device.
    code = "device" if weight_device == ctx.facts.get("device") else f"'{weight_device}'"
    return {
        "layer": _layer_name(ctx, layer),
        "input": src,
        "weight_device": weight_device,
        "input_device": fact.get("device"),
        "weight_device_code": code,
    }


@reader
def tensor_device(ctx: Context) -> Fields | None:
    seen: dict[str, str] = {}
    for src, fact in ctx.tensors():
        seen.setdefault(fact["device"], src)
    if len(seen) < 2:
        return None
    (d1, first), (d2, second) = list(seen.items())[:2]
    return {"first": first, "first_device": d1, "second": second, "second_device": d2}


@reader
def no_cuda(ctx: Context) -> Fields | None:
    line = ctx.line
    if not line or "cuda" not in line:
        return None
    here = ctx.facts.get("device")
    if not here:
        return None  # without the tutor's device the text would have to guess it
    fixed = re.sub(r"\.cuda\(\)", ".to(device)", line)
    fixed = re.sub(r"""(['"])cuda(:\d+)?\1""", "device", fixed)
    fixed = re.sub(r"torch\.device\(device\)", "device", fixed)
    return {"line": line, "device": here, "fixed": fixed}


@reader
def item(ctx: Context) -> Fields | None:
    for op in ctx.find_ops("item"):
        recv = op.get("recv")
        fact = ctx.tensor(recv)
        if fact is None and recv and "(" in recv and "n" in ctx.groups:
            return {"recv": recv, "_text": "count"}  # an expression: the message counts for us
        if fact is None:
            continue
        n = math.prod(fact["shape"])
        if n == 1 or ("n" in ctx.groups and int(ctx.groups["n"]) != n):
            continue
        return {"recv": recv, "n": n, "shape": shape_text(fact["shape"])}
    return None


@reader
def backward(ctx: Context) -> Fields | None:
    op = ctx.first_op("backward")
    if op is None:
        return None
    recv = ctx.subject(op)
    fact = ctx.tensor(recv)
    if fact is None:
        return None
    return {"recv": recv, "shape": shape_text(fact["shape"])}


@reader
def leaf_inplace(ctx: Context) -> Fields | None:
    fields = _inplace(ctx)
    if fields is None:
        return None
    fact = ctx.tensor(fields["target"])
    if fact is None or not (fact.get("is_leaf") and fact.get("requires_grad")):
        return None
    return {"target": fields["target"], "line": ctx.line}


@reader
def saved_inplace(ctx: Context) -> Fields | None:
    """The message names the op, the shape and the version: the one tensor on the line that was
    changed in place that often, with that shape, is the learner's (its grad_fn is the in-place op's now)."""
    shape, version = numbers(ctx.groups["shape"]), int(ctx.groups["version"])
    found = [
        src
        for src, fact in ctx.tensors()
        if fact.get("shape") == shape
        and fact.get("version") == version
        and not fact.get("is_leaf")
        and src.isidentifier()
    ]
    return {"tensor": found[0], "_text": "named"} if len(found) == 1 else {}


@reader
def recv_of_numpy(ctx: Context) -> Fields | None:
    op = ctx.first_op("numpy")
    if op is None or not op.get("recv"):
        return None
    return {"recv": op["recv"]}


@reader
def conv_channels(ctx: Context) -> Fields | None:
    layer = _known_layer(ctx, "Conv1d", "Conv2d", "Conv3d")
    if layer is None or layer.get("in_channels") != int(ctx.groups["want"]):
        return None
    found = _layer_input(ctx, layer)
    if found is None:
        return None
    src, _fact = found
    shape = numbers(ctx.groups["input_shape"])
    kernel = layer.get("kernel_size")
    fields: Fields = {
        "layer": _layer_name(ctx, layer),
        "input": src,
        "channel_dim": 1 if len(shape) > 3 else 0,
        "cls": layer["class"],
        "out_channels": layer.get("out_channels"),
        "kernel": kernel[0] if isinstance(kernel, list) and len(set(kernel)) == 1 else kernel,
    }
    if len(shape) == 4 and shape[-1] == layer["in_channels"]:
        fields.update(_text="last", _fix="last")
    return fields


@reader
def conv_batch(ctx: Context) -> Fields | None:
    layer = _known_layer(ctx, "Conv1d", "Conv2d", "Conv3d", "MaxPool2d", "AvgPool2d")
    if layer is None:
        return None
    found = _layer_input(ctx, layer)
    if found is None:
        return None
    src, fact = found
    shape = fact.get("shape") or []
    spatial = 2 if layer["class"].endswith("2d") else 1
    missing = spatial + 2 - len(shape)
    if missing not in (1, 2):
        return None
    channels = layer.get("in_channels")
    if missing == 2 and channels not in (None, 1):
        return None  # a channel is missing too, and the layer wants several: no sure fix
    return {
        "input": src,
        "shape": shape_text(shape),
        "layer": _layer_name(ctx, layer),
        "unsqueeze": ".unsqueeze(0)" * missing,
        "and_channel": ", and a grey image the channel dimension (C = 1)" if missing == 2 else "",
        "and_channel_zh": "，灰度图像还需要通道维（C = 1）" if missing == 2 else "",
    }


@reader
def too_small(ctx: Context) -> Fields | None:
    layer = _known_layer(ctx, "Conv1d", "Conv2d", "Conv3d", "MaxPool1d", "MaxPool2d", "AvgPool2d")
    if layer is None:
        return None
    kernel = layer.get("kernel_size")
    kernel = [kernel, kernel] if isinstance(kernel, int) else list(kernel or [])
    if len(kernel) != 2:
        return None
    h, w = int(ctx.groups["h"]), int(ctx.groups["w"])
    return {
        "layer": _layer_name(ctx, layer),
        "cls": layer["class"],
        "kernel": kernel[0] if kernel[0] == kernel[1] else tuple(kernel),
        "kernel_h": kernel[0],
        "kernel_w": kernel[1],
        "h": h,
        "w": w,
    }


@reader
def size_call(ctx: Context) -> Fields | None:
    for op in ctx.find_ops("shape"):
        if op.get("recv"):
            recv, args = str(op["recv"]), [str(a) for a in op.get("args") or []]
            fixed = f"{recv}.shape" + (f"[{args[0]}]" if len(args) == 1 else "")
            return {"recv": recv, "wrote": f"{recv}.shape({', '.join(args)})", "fixed": fixed}
    for op in ctx.find_ops("[]"):
        recv = str(op.get("recv") or "")
        if recv.endswith(".size"):
            base, index = recv[: -len(".size")], ", ".join(op.get("args") or [])
            return {"recv": base, "wrote": f"{recv}[{index}]", "fixed": f"{base}.shape[{index}]"}
    return None


@reader
def name_step(ctx: Context) -> Fields | None:
    name = ctx.groups["name"]
    if name not in ctx.step_names:
        return None
    step, title = ctx.step_names[name]
    return {"step": step, "title": title, "lesson": ctx.lesson_id or "LESSON"}


_IMPORTS = {
    "nn": "import torch.nn as nn",
    "F": "import torch.nn.functional as F",
    "np": "import numpy as np",
    "optim": "import torch.optim as optim",
    "plt": "import matplotlib.pyplot as plt",
    "math": "import math",
}


@reader
def name_import(ctx: Context) -> Fields | None:
    return {"import_line": _IMPORTS[ctx.groups["name"]]}


@reader
def name_close(ctx: Context) -> Fields | None:
    name = ctx.groups["name"]
    candidates = [n for n in ctx.defined if n != name]
    candidates += [n for n in dir(builtins) if not n.startswith("_") and n[0].islower()]
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
    if not close:
        lowered = [n for n in candidates if n.lower() == name.lower()]
        if not lowered:
            return None
        close = lowered
    fixed = re.sub(rf"\b{re.escape(name)}\b", close[0], ctx.line) if ctx.line else close[0]
    return {"close": close[0], "fixed": fixed}


@reader
def randint(ctx: Context) -> Fields | None:
    op = ctx.first_op("randint")
    if op is None or op.get("kwargs"):
        return None
    args = [str(a) for a in op.get("args") or []]
    if len(args) == 1:
        fixed = f"torch.randint({args[0]}, ())"
    elif len(args) == 2:
        fixed = f"torch.randint({args[0]}, {args[1]}, ())"
    else:
        return None
    return {"fixed": fixed}


_TO_DTYPE = {
    "float32": ".float()",
    "int64": ".long()",
    "float64": ".double()",
    "int32": ".int()",
    "bool": ".bool()",
    "float16": ".half()",
    "bfloat16": ".bfloat16()",
    "uint8": ".byte()",
}


@reader
def verdict_dtype(ctx: Context) -> Fields | None:
    want = dtype_name(ctx.groups["want"])
    method = _TO_DTYPE.get(want)
    return (
        {"want": want, "got": dtype_name(ctx.groups["got"]), "method": method} if method else None
    )


@reader
def verdict_shape(ctx: Context) -> Fields | None:
    want, got = numbers(ctx.groups["want"]), numbers(ctx.groups["got"])
    if want == got or math.prod(want) != math.prod(got):
        return None
    shapes = {"want_shape": shape_text(want), "got_shape": shape_text(got)}
    if len(want) == len(got) + 1:
        for i in range(len(want)):
            if want[i] == 1 and want[:i] + want[i + 1 :] == got:
                return {**shapes, "method": f".unsqueeze({i})"}
    if len(got) == len(want) + 1:
        for i in range(len(got)):
            if got[i] == 1 and got[:i] + got[i + 1 :] == want:
                return {**shapes, "method": f".squeeze({i})"}
    return None  # a transpose or a reshape would be a guess: the values may need either
