"""Provides check_messages(): what an exercise's check tests, in words, from its assertions.

The Checks panel lists these instead of the source, which is noisy and can give the answer away.
Each ``assert cond, message`` (and ``raise AssertionError(message)``) gives one line: a string,
an f-string (its values shown as "…": they are the learner's results, unknown before a run) or
``say(en=..., zh=...)`` in the learner's language. Parsed with ``ast``: the check is never run here.
"""

from __future__ import annotations

import ast

GAP = "…"


def _text(node: ast.expr | None, lang: str) -> str | None:
    """The words of an assertion's message node, or None when it has none we can read."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = [v.value if isinstance(v, ast.Constant) else GAP for v in node.values]
        return "".join(str(p) for p in parts)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "say":
        given = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        if node.args:
            given.setdefault("en", node.args[0])
        if len(node.args) > 1:
            given.setdefault("zh", node.args[1])
        for key in (lang, "en"):
            text = _text(given.get(key), lang)
            if text:
                return text
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # "a " + "b"
        left, right = _text(node.left, lang), _text(node.right, lang)
        return None if left is None or right is None else left + right
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    ):
        template = _text(node.func.value, lang)
        return None if template is None else _fields_as_gaps(template)
    return None


def _fields_as_gaps(template: str) -> str:
    from string import Formatter

    return "".join(
        literal + (GAP if field is not None else "")
        for literal, field, _, _ in Formatter().parse(template)
    )


def check_messages(source: str, lang: str = "en") -> tuple[list[str], int]:
    """(The messages of the check's assertions, in order and without repeats; how many have none).

    A check that does not parse gives ([], 0): the panel then shows nothing it cannot stand behind.
    """
    try:
        tree = ast.parse(source or "")
    except SyntaxError:
        return [], 0
    messages: list[str] = []
    silent = 0
    # ast.walk goes breadth first; the learner reads the checks in the order they are written.
    for node in sorted(
        ast.walk(tree), key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0))
    ):
        if isinstance(node, ast.Assert):
            message = node.msg
        elif (
            isinstance(node, ast.Raise)
            and isinstance(node.exc, ast.Call)
            and isinstance(node.exc.func, ast.Name)
            and node.exc.func.id == "AssertionError"
        ):
            message = node.exc.args[0] if node.exc.args else None
        else:
            continue
        text = _text(message, lang)
        if text is None or not text.strip():
            silent += 1
        elif (text := " ".join(text.split())) not in messages:
            messages.append(text)
    return messages, silent
