"""Provides scan(): a cell's output cut into words, floats, printed tensors and torch.Sizes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .numeric import TEXT_FLOAT
from .tensor_repr import SizeRepr, TensorRepr, parse_size, parse_tensor

# `tensor(` not preceded by a name or a dot: `torch.tensor(` and `nested_tensor(` are text.
_START = re.compile(r"(?<![\w.])(?:tensor\(|torch\.Size\()")
_WORD = re.compile(r"\S+")


@dataclass(slots=True)
class Token:
    """A piece of output: kind is "word", "float", "tensor" or "size"."""

    kind: str
    start: int
    end: int
    text: str
    value: float | TensorRepr | SizeRepr | None = None  # None for a word

    @property
    def key(self) -> tuple[str, ...]:
        # What must be equal for two tokens to line up: words by text, the rest by kind.
        return (self.kind, self.text) if self.kind == "word" else (self.kind,)


@dataclass(slots=True)
class Scan:
    tokens: list[Token] = field(default_factory=list)
    # Offsets of `tensor(` / `torch.Size(` that did not parse.
    unparsed: list[int] = field(default_factory=list)

    def of_kind(self, *kinds: str) -> list[Token]:
        return [t for t in self.tokens if t.kind in kinds]


def scan(text: str) -> Scan:
    """Cut ``text`` into tokens; never raises."""
    result = Scan()
    pos = 0  # start of text not yet tokenised
    search_from = 0
    while (m := _START.search(text, search_from)) is not None:
        at = m.start()
        parsed: TensorRepr | SizeRepr | None
        if text.startswith("tensor(", at):
            parsed = parse_tensor(text, at)
            kind = "tensor"
        else:
            parsed = parse_size(text, at)
            kind = "size"
        if parsed is None:
            result.unparsed.append(at)
            search_from = m.end()
            continue
        _text_tokens(text, pos, at, result.tokens)
        result.tokens.append(Token(kind, at, parsed.end, text[at : parsed.end], parsed))
        pos = search_from = parsed.end
    _text_tokens(text, pos, len(text), result.tokens)
    return result


def _text_tokens(text: str, start: int, end: int, out: list[Token]) -> None:
    """Words (runs of non-space) and plain floats between ``start`` and ``end``."""
    pos = start
    for m in TEXT_FLOAT.finditer(text, start, end):
        _words(text, pos, m.start(), out)
        out.append(Token("float", m.start(), m.end(), m.group(), float(m.group())))
        pos = m.end()
    _words(text, pos, end, out)


def _words(text: str, start: int, end: int, out: list[Token]) -> None:
    for m in _WORD.finditer(text, start, end):
        out.append(Token("word", m.start(), m.end(), m.group()))


def line_of(text: str, offset: int) -> int:
    """1-based line number of ``offset``."""
    return text.count("\n", 0, offset) + 1
