"""Provides the helpers a lesson's `check` code sees (worker side): say, random_cases, uses_only, max_lines.

A check runs over a copy of the learner's namespace with these names added (``HELPERS``), so they
never appear among the learner's names and a learner's own ``say`` is left alone. Code that is
not a check (a lesson's ``setup``, say) imports them: ``from tutor.interpreter.check_helpers
import say``. ``say`` answers in the language of the run the worker is doing now (``set_lang``).

Every helper reports a failure the way a check must: an AssertionError whose message (in the
learner's language) says what was wrong. A mistake in how a check calls a helper (an unknown
argument spec, a reference that raises) is a TypeError/ValueError/RuntimeError: the author's bug,
which `torch-tutor check` reports as such.

Why not Hypothesis for ``random_cases``: its value is shrinking and a database of failures; for
small integer tensors a seeded generator that tries the smallest sizes first finds the same first
failures, needs no strategies for shared named dimensions, and keeps the worker's imports (and
every check's time) small.
"""

from __future__ import annotations

import builtins
import dis
import inspect
import re
import types
from collections.abc import Callable, Iterable, Sequence
from typing import Any

_lang = "en"


def set_lang(lang: str) -> None:
    """The language of the run about to start (the worker calls this for every exec request)."""
    global _lang
    _lang = lang or "en"


def say(en: str, zh: str | None = None, **others: str) -> str:
    """The message in the learner's language (``--lang``), falling back to English.

    ``assert ok, say(en=f"got {x}", zh=f"得到了 {x}")``.
    """
    text = {"en": en, "zh": zh, **others}.get(_lang)
    return text if text else en


# --- random_cases ----------------------------------------------------------------------------

_SPEC = re.compile(
    r"^\s*(?P<kind>bool|float|int|size)?\s*(?P<dims>(?:[A-Za-z_]\w*\s*)*?)"
    r"\s*(?:in\s+(?P<low>-?\d+(?:\.\d+)?)\s*\.\.\s*(?P<high>-?\d+(?:\.\d+)?))?\s*$"
)


class _Arg:
    """One argument spec: ``"i j"`` (an int tensor), ``"float i"``, ``"bool i"``, ``"size i"``,
    each optionally ``in LOW..HIGH`` (inclusive; for floats the interval)."""

    def __init__(self, spec: str, values: tuple[float, float]) -> None:
        found = _SPEC.match(spec) if isinstance(spec, str) else None
        if found is None:
            raise ValueError(
                f"random_cases: cannot read the argument spec {spec!r}; expected e.g. 'i', "
                "'i j', 'float i', 'bool i', 'size i' or 'i in 0..3'"
            )
        self.spec = spec
        self.kind = found.group("kind") or "int"
        self.dims = found.group("dims").split()
        low, high = found.group("low"), found.group("high")
        self.low, self.high = (float(low), float(high)) if low is not None else values
        if self.kind == "size" and len(self.dims) != 1:
            raise ValueError(f"random_cases: 'size' takes one dimension name, got {spec!r}")
        if self.kind in ("size", "bool") and low is not None:
            raise ValueError(
                f"random_cases: a {self.kind} argument takes no range, got {spec!r} "
                "(a size's range is the sizes= argument)"
            )
        if self.high < self.low:
            raise ValueError(f"random_cases: empty range in {spec!r}")

    def draw(self, torch: Any, sizes: dict[str, int], gen: Any) -> Any:
        if self.kind == "size":
            return sizes[self.dims[0]]
        shape = [sizes[d] for d in self.dims]
        if self.kind == "bool":
            return torch.randint(0, 2, shape, generator=gen).bool()
        if self.kind == "float":
            return torch.rand(shape, generator=gen) * (self.high - self.low) + self.low
        return torch.randint(int(self.low), int(self.high) + 1, shape, generator=gen)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 300 else text[:300] + "…"


def _same(torch: Any, got: Any, want: Any, atol: float, rtol: float) -> str | None:
    """Why ``got`` is not ``want`` (None when it is), in the learner's language."""
    if isinstance(want, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return say(
                en=f"expected a tensor, got {type(got).__name__}",
                zh=f"应返回张量，实际返回 {type(got).__name__}",
            )
        if tuple(got.shape) != tuple(want.shape):
            return say(
                en=f"shape {tuple(got.shape)}, expected {tuple(want.shape)}",
                zh=f"形状为 {tuple(got.shape)}，应为 {tuple(want.shape)}",
            )
        if want.dtype.is_floating_point or got.dtype.is_floating_point:
            ok = torch.allclose(got.double(), want.double(), atol=atol, rtol=rtol, equal_nan=True)
        else:
            ok = bool(torch.equal(got.long(), want.long()))
        return None if ok else say(en="the values differ", zh="数值不同")
    if got != want:
        return say(en="the values differ", zh="数值不同")
    return None


def random_cases(
    fn: Callable[..., Any],
    reference: Callable[..., Any],
    args: Sequence[str],
    *,
    n: int = 40,
    seed: int = 0,
    sizes: tuple[int, int] = (1, 6),
    values: tuple[float, float] = (-5, 5),
    atol: float = 1e-6,
    rtol: float = 1e-5,
) -> int:
    """Call ``fn`` and ``reference`` on ``n`` generated inputs; the first difference fails.

    ``args`` declares each argument: ``"i j"`` an integer tensor of shape (i, j) with values in
    ``values`` (inclusive), ``"float i"`` floats in that interval, ``"bool i"``, ``"size i"`` the
    size i itself as an int; ``"... in 0..3"`` gives one argument its own range. A dimension name
    means the same size in every argument of a case; sizes are drawn from ``sizes`` (inclusive),
    the smallest first. The same ``seed`` gives the same cases. Returns the number of cases run.
    A failing case raises AssertionError with the case's inputs, ``fn``'s answer and the expected
    one (or the error ``fn`` raised). Inputs are cloned for each call, so neither side can change
    what the other sees.
    """
    import torch

    specs = [_Arg(spec, values) for spec in args]
    names = sorted({d for spec in specs for d in spec.dims})
    try:
        params = list(inspect.signature(reference).parameters)
    except (TypeError, ValueError):
        params = []
    labels = [params[k] if k < len(params) else f"arg{k}" for k in range(len(specs))]
    fn_name = getattr(fn, "__name__", "fn")
    gen = torch.Generator().manual_seed(seed)
    low, high = sizes
    for case in range(1, n + 1):
        if case == 1:
            chosen = {d: low for d in names}  # the smallest sizes first: the edge most often missed
        else:
            chosen = {d: int(torch.randint(low, high + 1, (1,), generator=gen)) for d in names}
        inputs = [spec.draw(torch, chosen, gen) for spec in specs]
        shown = ", ".join(f"{label}={_show(v)}" for label, v in zip(labels, inputs, strict=True))
        try:
            want = reference(*_clones(torch, inputs))
        except Exception as exc:
            raise RuntimeError(
                f"random_cases: the reference raised {type(exc).__name__}: {exc} on {shown}"
            ) from exc
        try:
            got = fn(*_clones(torch, inputs))
        except Exception as exc:
            raise AssertionError(
                say(
                    en=f"case {case} of {n}: {fn_name}({shown}) raised {type(exc).__name__}: {exc}",
                    zh=f"第 {case} 个用例（共 {n} 个）：{fn_name}({shown}) 出错："
                    f"{type(exc).__name__}: {exc}",
                )
            ) from None
        why = _same(torch, got, want, atol, rtol)
        if why is not None:
            raise AssertionError(
                say(
                    en=f"case {case} of {n}: {fn_name}({shown}): {why}\n"
                    f"returned: {_show(got)}\nexpected: {_show(want)}",
                    zh=f"第 {case} 个用例（共 {n} 个）：{fn_name}({shown})：{why}\n"
                    f"返回：{_show(got)}\n应为：{_show(want)}",
                )
            )
    return n


def _clones(torch: Any, inputs: list[Any]) -> list[Any]:
    return [v.clone() if isinstance(v, torch.Tensor) else v for v in inputs]


# --- structure rules: uses_only, max_lines -----------------------------------------------------

_LOADS = ("LOAD_GLOBAL", "LOAD_NAME")
_ATTRS = ("LOAD_ATTR", "LOAD_METHOD")


def _function(fn: Any, helper: str) -> types.FunctionType:
    if isinstance(fn, types.MethodType):
        fn = fn.__func__
    if not isinstance(fn, types.FunctionType):
        raise AssertionError(
            say(
                en=f"{helper}: expected a function (def or lambda), got {type(fn).__name__}",
                zh=f"{helper}：应为一个函数（def 或 lambda），实际是 {type(fn).__name__}",
            )
        )
    return fn


def _codes(code: types.CodeType) -> Iterable[types.CodeType]:
    """``code`` and every code object nested in it (lambdas, comprehensions, inner defs)."""
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


def _resolve(name: str, fn: types.FunctionType) -> Any:
    """What ``name`` means inside ``fn``: its global, a builtin, or a torch function."""
    import torch

    scope = fn.__globals__
    if "." in name:
        head, _, rest = name.partition(".")
        value = _resolve(head, fn)
        for part in rest.split("."):
            value = getattr(value, part, None)
        return value
    if name in scope:
        return scope[name]
    if hasattr(builtins, name):
        return getattr(builtins, name)
    return getattr(torch, name, None)


def _hidden_functions(fn: types.FunctionType) -> list[tuple[str, Any]]:
    """Values ``fn`` carries besides its code: closure cells and default arguments."""
    found: list[tuple[str, Any]] = []
    for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or (), strict=True):
        try:
            found.append((name, cell.cell_contents))
        except ValueError:  # an empty cell
            continue
    params = list(inspect.signature(fn).parameters.values())
    for param in params:
        if param.default is not inspect.Parameter.empty:
            found.append((param.name, param.default))
    return found


def _is_code_like(value: Any) -> bool:
    """Whether ``value`` can do work when called (a function, a module, a class, a partial)."""
    return callable(value) or isinstance(value, types.ModuleType)


def uses_only(
    fn: Callable[..., Any], allowed: Iterable[Any] = (), *, name: str | None = None
) -> None:
    """Fail unless ``fn`` uses only the functions, modules and attributes in ``allowed``.

    ``allowed`` holds names (``"arange"``, ``"torch.where"``, ``"shape"``) or the objects
    themselves (an earlier puzzle's function). A global or builtin name is allowed when it, or
    the object it stands for, is allowed (``from torch import where as w`` is ``where``); a bare
    name that is neither a global nor a builtin means torch's (``"arange"`` is ``torch.arange``).
    An attribute of a value (``a.shape``, ``a.sum()``) is allowed by its name. Operators,
    indexing, constants and the function's own arguments are always allowed. Lambdas and inner
    functions are read too; closures and default arguments that carry a function or module not
    allowed fail (``def f(a, s=torch.sum)``), and so does any import.
    """
    fn = _function(fn, "uses_only")
    label = name or fn.__name__
    allowed = list(allowed)
    words = {a for a in allowed if isinstance(a, str)}
    objects = [a for a in allowed if not isinstance(a, str)]
    objects += [v for w in words if (v := _resolve(w, fn)) is not None]
    allowed_ids = {id(o) for o in objects}
    shown = ", ".join(
        sorted(words | {getattr(o, "__name__", repr(o)) for o in objects if not isinstance(o, str)})
    )

    def refuse(what: str) -> None:
        raise AssertionError(
            say(
                en=f"{label} uses {what}, which is not allowed here (allowed: {shown or 'nothing'})",
                zh=f"{label} 用到了 {what}，这里不允许（允许的：{shown or '无'}）",
            )
        )

    def value_ok(dotted: str, value: Any) -> bool:
        return dotted in words or (value is not None and id(value) in allowed_ids)

    for var, value in _hidden_functions(fn):
        if _is_code_like(value) and id(value) not in allowed_ids:
            refuse(f"`{getattr(value, '__name__', type(value).__name__)}` (through `{var}`)")

    for code in _codes(fn.__code__):
        chain: list[str] = []  # a global followed by attributes: torch.nn.functional.relu
        for ins in dis.get_instructions(code):
            op = ins.opname
            if op in ("IMPORT_NAME", "IMPORT_FROM"):
                refuse(f"`import {ins.argval}`")
            if op in _LOADS:
                _check_chain(chain, fn, value_ok, refuse)
                chain = [str(ins.argval)]
            elif op in _ATTRS and chain:
                chain.append(str(ins.argval))
            else:
                _check_chain(chain, fn, value_ok, refuse)
                chain = []
                if op in _ATTRS and str(ins.argval) not in words:
                    refuse(f"`.{ins.argval}`")
        _check_chain(chain, fn, value_ok, refuse)


def _check_chain(chain: list[str], fn: types.FunctionType, value_ok: Any, refuse: Any) -> None:
    """A global with its attributes is allowed when some prefix of it is (``torch.where`` or
    ``where``); the attributes after an allowed prefix must each be allowed names."""
    if not chain:
        return
    for cut in range(len(chain), 0, -1):
        dotted = ".".join(chain[:cut])
        value = _resolve(dotted, fn)
        bare = chain[cut - 1] if cut > 1 else None
        if value_ok(dotted, value) or (bare is not None and value_ok(bare, value)):
            for attr in chain[cut:]:
                if not value_ok(attr, None):
                    refuse(f"`.{attr}`")
            return
    refuse(f"`{'.'.join(chain)}`")


def max_lines(fn: Callable[..., Any], n: int = 1, *, name: str | None = None) -> int:
    """Fail unless ``fn``'s body is at most ``n`` lines; returns the count.

    Lines are the source lines that hold code of the body (blank lines, comments and the ``def``
    line itself do not count; a lambda is its one line). Functions hidden in the function's
    closure or its default arguments count with their own lines, so moving the work into
    ``def f(a, helper=long_function)`` does not make it shorter.
    """
    fn = _function(fn, "max_lines")
    label = name or fn.__name__
    total = _body_lines(fn)
    for _var, value in _hidden_functions(fn):
        if isinstance(value, types.FunctionType):
            total += _body_lines(value)
    if total > n:
        raise AssertionError(
            say(
                en=f"{label} takes {total} lines; at most {n} allowed",
                zh=f"{label} 用了 {total} 行；最多允许 {n} 行",
            )
        )
    return total


def _body_lines(fn: types.FunctionType) -> int:
    code = fn.__code__
    lines: set[int] = set()
    for inner in _codes(code):
        lines.update(line for _start, _end, line in inner.co_lines() if line is not None)
    if code.co_name != "<lambda>":
        lines.discard(code.co_firstlineno)  # the `def` line (RESUME sits on it)
    return len(lines) or 1


HELPERS: dict[str, Any] = {
    "say": say,
    "random_cases": random_cases,
    "uses_only": uses_only,
    "max_lines": max_lines,
}


def check_namespace(ns: dict[str, Any]) -> dict[str, Any]:
    """The globals a check runs in: the learner's names, then the helpers over them."""
    return {**ns, **HELPERS}
