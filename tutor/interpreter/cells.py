"""Provides how the worker runs one cell: compile, IPython-style final value, trimmed tracebacks.

Every cell compiles under a filename of its own, ``<cell-N>`` (a lesson's setup: ``<setup-N>``),
registered in linecache, so ``inspect.getsource`` finds a learner's function (checks read it);
tracebacks still say ``<cell>``, so they read the same in every session. Each code object a cell
defines is remembered with that cell's lines, so a traceback through a function defined three
cells ago still quotes the right line.
"""

from __future__ import annotations

import ast
import linecache
import traceback
import weakref
from types import CodeType
from typing import Any

CELL = "<cell>"
SETUP = "<setup>"

# Messages torch and the C allocator use when an allocation fails under RLIMIT_DATA or on a GPU.
_ALLOC_FAILURES = ("can't allocate memory", "out of memory", "not enough memory", "cannot allocate")


class CellRunner:
    """Compiles and runs cells in named, persistent namespaces."""

    def __init__(self, fresh_namespace: Any) -> None:
        self._fresh = fresh_namespace  # () -> dict, the starting names of every namespace
        self.namespaces: dict[str, dict[str, Any]] = {}
        self._lines: weakref.WeakKeyDictionary[CodeType, list[str]] = weakref.WeakKeyDictionary()
        self._count = 0
        self.current = ""  # the filename of the cell compiled last

    def namespace(self, name: str) -> dict[str, Any]:
        ns = self.namespaces.get(name)
        if ns is None:
            ns = self.namespaces[name] = self._fresh()
        return ns

    def reset(self, name: str) -> None:
        self.namespaces.pop(name, None)

    def compile(self, source: str, kind: str = CELL) -> tuple[CodeType, CodeType | None]:
        """The cell's statements, and its final bare expression (None if it has none)."""
        self._count += 1
        name = self.current = f"{kind[:-1]}-{self._count}>"
        tree = ast.parse(source, name, "exec")
        last = tree.body[-1] if tree.body else None
        expr = None
        if isinstance(last, ast.Expr) and not _ends_with_semicolon(source, last):
            tree.body.pop()
            expr = compile(ast.Expression(last.value), name, "eval")
        body = compile(tree, name, "exec")
        lines = source.splitlines(keepends=True)
        for code in (body, expr):
            if code is not None:
                self._remember(code, lines)
        # inspect.getsource and warnings.showwarning read source lines through linecache; a
        # None mtime keeps linecache.checkcache from dropping the entry (there is no file).
        linecache.cache[name] = (len(source), None, lines, name)
        return body, expr

    def run(self, body: CodeType, expr: CodeType | None, ns: dict[str, Any]) -> str | None:
        """Run a compiled cell; returns the repr of its final expression, or None."""
        exec(body, ns)
        if expr is None:
            return None
        value = eval(expr, ns)
        return None if value is None else repr(value)

    def describe(self, exc: BaseException) -> dict[str, Any]:
        """Result fields for an exception raised by a cell."""
        if isinstance(exc, KeyboardInterrupt):
            status = "interrupted"
        elif is_allocation_failure(exc):
            status = "limit"
        else:
            status = "error"
        return {
            "status": status,
            "error_type": type(exc).__name__,
            "error_message": str(exc),
            "traceback": self.format_traceback(exc),
        }

    def format_traceback(self, exc: BaseException) -> str:
        """The traceback with the learner's frames only: no worker frames, no library frames."""
        out: list[str] = []
        for frame, lineno in traceback.walk_tb(exc.__traceback__):
            code = frame.f_code
            if not is_cell_file(code.co_filename):
                continue
            lines = self._lines.get(code) or []
            text = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""
            out.append(f'  File "{CELL}", line {lineno}, in {code.co_name}\n')
            if text:
                out.append(f"    {text}\n")
        if isinstance(exc, SyntaxError) and is_cell_file(exc.filename or ""):
            exc.filename = CELL  # the cell's own name, not its per-run one
        head = ["Traceback (most recent call last):\n"] if out else []
        return "".join(head + out + traceback.format_exception_only(type(exc), exc))

    def _remember(self, code: CodeType, lines: list[str]) -> None:
        self._lines[code] = lines
        for const in code.co_consts:
            if isinstance(const, CodeType):
                self._remember(const, lines)


def is_cell_file(filename: str) -> bool:
    """Whether ``filename`` names a cell's (or a setup's) code, as compile() above names them."""
    return filename.startswith(("<cell-", "<setup-"))


def raised_in_earlier_cell(exc: BaseException, current: str) -> bool:
    """Whether ``exc`` came out of a learner's earlier cell (a function the check called) rather
    than out of the code compiled as ``current`` (the check) or a lesson's setup: the innermost
    frame of cell code decides. A check uses this to tell the answer's failure from its own."""
    last = ""
    for frame, _lineno in traceback.walk_tb(exc.__traceback__):
        if is_cell_file(frame.f_code.co_filename):
            last = frame.f_code.co_filename
    return last.startswith("<cell-") and last != current


def is_allocation_failure(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    if isinstance(exc, RuntimeError):
        message = str(exc).lower()
        return any(marker in message for marker in _ALLOC_FAILURES)
    return False


def _ends_with_semicolon(source: str, node: ast.stmt) -> bool:
    """IPython hides the value of a last line ending in ';'."""
    lines = source.splitlines()
    end_line, end_col = node.end_lineno, node.end_col_offset
    if end_line is None or end_col is None or end_line > len(lines):
        return False
    rest = lines[end_line - 1].encode("utf-8")[end_col:].decode("utf-8", "replace")
    return rest.split("#", 1)[0].strip().startswith(";")
