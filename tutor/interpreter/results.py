"""Provides the plain result types the interpreter hands to its callers (no torch, no textual)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only for the annotation; tutor.compare is imported lazily in observed()
    from tutor.compare import Observed

# Every status an ExecResult can carry.
OK = "ok"
ERROR = "error"
INTERRUPTED = "interrupted"
TIMEOUT = "timeout"
CRASHED = "crashed"
LIMIT = "limit"
STATUSES = (OK, ERROR, INTERRUPTED, TIMEOUT, CRASHED, LIMIT)


@dataclass
class DeviceInfo:
    """The device a worker picked, as reported by the worker itself."""

    kind: str  # "cuda" | "mps" | "cpu"
    name: str  # "NVIDIA H100 80GB HBM3" or the CPU model
    label: str  # "cuda:0 NVIDIA H100 80GB HBM3", "cpu (AMD EPYC 7B13)"
    torch_version: str
    note: str = ""  # e.g. why an override was refused

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeviceInfo:
        known = {f.name for f in fields(cls)}
        return cls(**{k: str(v) for k, v in data.items() if k in known})


@dataclass
class ExecResult:
    """What one cell did: status, captured output, the final expression's repr, the error."""

    status: str
    output: str = ""
    value: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    traceback: str = ""
    elapsed: float = 0.0
    truncated: bool = False
    dropped_bytes: int = 0
    displays: list[dict] = field(default_factory=list)
    detail: str = ""
    # What threads of earlier cells printed since the last result: never part of text(), so
    # never compared; a UI may show it apart.
    background: str = ""
    facts: dict | None = (
        None  # an error's failing line, for the mistake coach (tutor.interpreter.facts)
    )

    @property
    def ok(self) -> bool:
        return self.status == OK

    def text(self) -> str:
        """Output then the value's repr, each ending in a newline (the rule cells are judged by)."""
        out = self.output
        if self.value is not None:
            if out and not out.endswith("\n"):
                out += "\n"
            out += self.value + "\n"
        return out

    def observed(self) -> Observed:
        """The result as the comparison engine sees it."""
        from tutor.compare import Observed
        from tutor.pictures import describe_all

        return Observed(
            output=self.text(),
            status=self.status,
            error_type=self.error_type,
            error_message=self.error_message,
            pictures=describe_all(self.displays),
        )
