"""Provides the file side of `torch-tutor record`: write observed outputs into a lesson with tomlkit,
keeping every comment and the rest of the formatting."""

from __future__ import annotations

import re
from dataclasses import dataclass

import tomlkit
from tomlkit.items import AoT, InlineTable, String, StringType, Table, Trivia

# Kinds whose `output` record fills in. `shape` only when asked (its values are random by design,
# so rewriting it would only churn the file); regex, error and ok are the author's to write.
RECORDABLE = ("text", "tensor", "shape")
DEFAULT_KINDS = ("text", "tensor")
_TENSOR = re.compile(r"\btensor\(")
# A literal multi-line string cannot hold ''' or control characters other than tab and newline.
_NOT_LITERAL = re.compile(r"'''|[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Change:
    step: int
    action: str  # "added" (a new expect), "updated", "unchanged"
    kind: str


def default_kind(output: str) -> str:
    """The kind given to a step that had no expectation: ok for a silent cell, tensor when tensors
    are printed, else text."""
    if not output.strip():
        return "ok"
    return "tensor" if _TENSOR.search(output) else "text"


def toml_string(value: str) -> String:
    """A string the way an author would write it: one line inline, several lines as ''' blocks."""
    body = value[:-1] if value.endswith("\n") else value
    if "\n" not in body and not _NOT_LITERAL.search(body) and '"' not in body and "\\" not in body:
        return tomlkit.string(body)
    if not _NOT_LITERAL.search(value):
        # The newline right after the opening ''' is dropped by TOML, so the block starts on its own line.
        return String(StringType.MLL, value, "\n" + value, Trivia())
    return tomlkit.string(value, multiline=True)


def _same(old: object, new: str) -> bool:
    return isinstance(old, str) and old.rstrip() == new.rstrip()


def _new_expect_table(kind: str, output: str, inline: bool) -> Table | InlineTable:
    table = tomlkit.inline_table() if inline else tomlkit.table()
    table.add("kind", kind)
    if kind != "ok":
        table.add("output", toml_string(output))
    if not inline:
        table.trivia.indent = "\n"  # a blank line before [steps.expect], as authors write it
    return table


def _add_expect(step: Table | InlineTable, table: Table | InlineTable) -> None:
    if isinstance(step, Table) and isinstance(table, Table):
        body = step.value.body
        keyed = [i for i, (key, _item) in enumerate(body) if key is not None]
        at = keyed[-1] + 1 if keyed else len(body)
        if at < len(body):
            try:
                # Comments after a step's last key usually introduce the next step: stay above them.
                step.value._insert_at(at, "expect", table)
                return
            except (AttributeError, TypeError, ValueError):  # tomlkit internals moved: append
                pass
    step["expect"] = table


def record_outputs(
    text: str, outputs: dict[int, str], *, kinds: tuple[str, ...] = DEFAULT_KINDS
) -> tuple[str, list[Change]]:
    """Write ``outputs`` (step index -> observed output) into the lesson source ``text``.

    Steps whose expectation's kind is in ``kinds`` get their ``output`` replaced; steps without one
    get ``[steps.expect]`` with kind ok (a silent cell), tensor (if tensors were printed) or text.
    Others are left alone. The file's line endings (LF or CRLF) are kept.
    """
    crlf = "\r\n" in text
    if crlf:
        text = text.replace("\r\n", "\n")
    doc = tomlkit.parse(text)
    steps = doc["steps"]
    inline_steps = not isinstance(steps, AoT)
    changes: list[Change] = []
    for index, output in sorted(outputs.items()):
        step = steps[index]
        expect = step.get("expect")
        if expect is None:
            kind = default_kind(output)
            _add_expect(
                step, _new_expect_table(kind, output, inline_steps or isinstance(step, InlineTable))
            )
            changes.append(Change(index, "added", kind))
            continue
        kind = str(expect.get("kind"))
        if kind not in RECORDABLE or kind not in kinds:
            continue
        if _same(expect.get("output"), output):
            changes.append(Change(index, "unchanged", kind))
            continue
        expect["output"] = toml_string(output)
        changes.append(Change(index, "updated", kind))
    out = tomlkit.dumps(doc)
    return (out.replace("\n", "\r\n") if crlf else out), changes
