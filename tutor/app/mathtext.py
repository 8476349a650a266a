"""Provides a small LaTeX-to-Unicode converter for the formulas lessons write in $...$ and $$...$$."""

from __future__ import annotations

import re
import unicodedata

from tutor.app.mathbox import (
    ACCENTS,
    ARROWS,
    BB,
    BOLD,
    FUNCTIONS,
    IGNORED,
    MATRICES,
    PLAIN,
    RELATIONS,
    SUB,
    SUP,
    SYMBOLS,
    Box,
    bold_text,
    hcat,
    linear,
    pad,
    script,
    tall,
)

_TOKEN = re.compile(r"\\[a-zA-Z]+|\\.|\s+|.", re.DOTALL)


class _Parser:
    """Recursive descent over LaTeX tokens, building Boxes; display mode stacks fractions."""

    def __init__(self, source: str, display: bool) -> None:
        self.toks = [t for t in _TOKEN.findall(source) if t != "%"]
        self.i = 0
        self.display = display

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> str:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def skip_space(self) -> None:
        while (t := self.peek()) is not None and t.isspace():
            self.i += 1

    def raw_group(self) -> str:
        """The raw text of a {...} argument (for \\text and colour names)."""
        self.skip_space()
        if self.peek() != "{":
            return self.take() if self.peek() is not None else ""
        self.take()
        depth, out = 1, []
        while (t := self.peek()) is not None:
            self.take()
            depth += (t == "{") - (t == "}")
            if depth == 0:
                break
            out.append(t)
        return "".join(out)

    def arg(self) -> Box:
        self.skip_space()
        t = self.peek()
        if t is None:
            return Box("")
        if t == "{":
            self.take()
            box = self.seq({"}"})
            if self.peek() == "}":
                self.take()
            return box
        return self.atom()

    def seq(self, stop: set[str]) -> Box:
        parts: list[Box] = []
        while (t := self.peek()) is not None and t not in stop:
            if t.isspace():
                self.take()
                if parts and self.peek() not in stop | {None, "^", "_"}:
                    parts.append(Box(" "))
                continue
            if t in ("^", "_"):
                base = parts.pop() if parts else Box("")
                parts.append(self.scripts(base))
                continue
            parts.append(self.atom())
        return hcat(parts)

    def scripts(self, base: Box) -> Box:
        sup = sub = None
        while self.peek() in ("^", "_"):
            kind = self.take()
            box = self.arg()
            if kind == "^":
                sup = box
            else:
                sub = box
        text = base.text if base.flat() else None
        tail = ""
        fallback = []
        for box, table, mark in ((sub, SUB, "_"), (sup, SUP, "^")):
            if box is None:
                continue
            mapped = script(box.text, table) if box.flat() else None
            if mapped is not None:
                tail += mapped
            elif box.flat():
                tail += mark + (box.text if len(box.text) == 1 else f"({box.text})")
            else:
                fallback.append((mark, box))
        if text is not None and not fallback:
            return Box(text + tail)
        out = hcat([base, Box(tail)])
        for mark, box in fallback:
            if mark == "^":
                out = hcat([out, Box(box.lines + [""] * (out.base + 1), len(box.lines) + out.base)])
            else:
                out = hcat([out, Box([""] * (out.base + 1) + box.lines, out.base)])
        return out

    def atom(self) -> Box:
        t = self.take()
        if t == "{":
            box = self.seq({"}"})
            if self.peek() == "}":
                self.take()
            return box
        if t == "~":
            return Box(" ")
        if t in ("}", "&"):
            return Box("")
        if not t.startswith("\\"):
            return Box("−" if t == "-" else t)
        name = t[1:]
        if name.isalpha():
            # TeX swallows the space after a control word; keep it only around relations.
            spaced = self.peek() is not None and self.peek().isspace()
            spaced = spaced and self.i >= 2 and self.toks[self.i - 2].isspace()
            self.skip_space()
            box = self.command(name)
            if spaced and box.text in RELATIONS and self.peek() is not None:
                return Box(box.text + " ")
            if (
                name in FUNCTIONS
                and self.peek() is not None
                and re.match(r"\\?[A-Za-z0-9]", self.peek())
            ):
                return Box(name + " ")
            return box
        return self.command(name)

    def command(self, name: str) -> Box:
        if name == "\\":
            return Box("")
        if name in ("frac", "dfrac", "tfrac"):
            return self.frac(self.arg(), self.arg())
        if name == "sqrt":
            index = ""
            if self.peek() == "[":
                self.take()
                index = self.seq({"]"}).text
                self.take()
            inner = self.arg()
            root = {"": "√", "2": "√", "3": "∛", "4": "∜"}.get(index) or (
                script(index, SUP) or index
            ) + "√"
            return (
                hcat([Box(root), Box(linear(inner.text))])
                if inner.flat()
                else hcat([Box(root), self.fence("(", inner, ")")])
            )
        if name in ACCENTS:
            box = self.arg()
            return Box(box.text + ACCENTS[name]) if box.flat() else box
        if name in BOLD:
            box = self.arg()
            return Box([bold_text(line) for line in box.lines], box.base)
        if name in PLAIN and name not in ("rm",):
            return (
                Box(self.raw_group().replace("\\", ""))
                if name in ("text", "textrm", "mbox")
                else self.arg()
            )
        if name in ("mathbb", "mathcal", "mathfrak"):
            text = self.raw_group()
            return Box(BB.get(text, text) if name == "mathbb" else text)
        if name == "textcolor":
            self.raw_group()
            return self.arg()
        if name in ("color", "label"):
            self.raw_group()
            return Box("")
        if name in ("overset", "stackrel", "underset"):
            over, body = self.arg(), self.arg()
            if body.text in ARROWS and over.flat():
                return Box(f"─{over.text}{body.text}")
            table = SUB if name == "underset" else SUP
            mapped = script(over.text, table)
            return Box(body.text + mapped) if mapped and body.flat() else body
        if name == "left" or name == "right":
            return self.leftright() if name == "left" else Box("")
        if name == "begin":
            return self.environment(self.raw_group())
        if name == "end":
            self.raw_group()
            return Box("")
        if name in FUNCTIONS:
            return Box(name)
        if name in SYMBOLS:
            return Box(SYMBOLS[name])
        if name in IGNORED:
            return Box("")
        return Box(name)

    def frac(self, num: Box, den: Box) -> Box:
        if not self.display and num.flat() and den.flat():
            return Box(f"{linear(num.text)}/{linear(den.text)}")
        width = max(num.width, den.width) + 2
        lines = [pad(line, width, "c") for line in num.lines] + ["─" * width]
        return Box(lines + [pad(line, width, "c") for line in den.lines], len(num.lines))

    def fence(self, left: str, inner: Box, right: str) -> Box:
        h = len(inner.lines)
        lb, rb = tall(left, h), tall(right, h)
        lb.base = rb.base = inner.base if h > 1 else 0
        return hcat([lb, inner, rb])

    def delimiter(self) -> str:
        self.skip_space()
        t = self.take() if self.peek() is not None else "."
        if t.startswith("\\"):
            t = SYMBOLS.get(t[1:], t[1:])
        return "" if t == "." else t

    def leftright(self) -> Box:
        left = self.delimiter()
        inner = self.seq({"\\right"})
        right = ""
        if self.peek() == "\\right":
            self.take()
            right = self.delimiter()
        return self.fence(left, inner, right)

    def rows(self, end: set[str]) -> list[list[Box]]:
        rows: list[list[Box]] = [[]]
        while True:
            rows[-1].append(self.seq(end | {"&", "\\\\"}))
            t = self.peek()
            if t is None or t in end:
                break
            self.take()
            if t == "\\\\":
                rows.append([])
        if rows[-1] == [Box("")] or all(b.text == "" for b in rows[-1]):
            rows.pop()
        return rows or [[Box("")]]

    def grid(self, rows: list[list[Box]], gap: str, aligns: str) -> Box:
        ncols = max(len(r) for r in rows)
        widths = [max((r[c].width for r in rows if c < len(r)), default=0) for c in range(ncols)]
        lines: list[str] = []
        for row in rows:
            cells = []
            for c in range(ncols):
                box = row[c] if c < len(row) else Box("")
                cells.append(
                    Box(
                        [pad(line, widths[c], aligns[c % len(aligns)]) for line in box.lines],
                        box.base,
                    )
                )
            joined = hcat([x for c in cells for x in (c, Box(gap))][:-1] if gap else cells)
            lines.extend(line.rstrip() if not gap else line for line in joined.lines)
        return Box(lines, (len(lines) - 1) // 2)

    def environment(self, name: str) -> Box:
        if name == "array":
            self.raw_group()
        rows = self.rows({"\\end"})
        if self.peek() == "\\end":
            self.take()
            self.raw_group()
        if name.rstrip("*") in MATRICES:
            left, right = MATRICES[name.rstrip("*")]
            if not self.display:
                body = "; ".join(", ".join(b.text for b in r) for r in rows)
                return Box(f"{left or '['}{body}{right or ']'}" if name != "cases" else "{" + body)
            return self.fence(left, self.grid(rows, "  ", "c" if name != "cases" else "l"), right)
        if not self.display:
            return Box("; ".join("".join(b.text for b in r) for r in rows))
        return self.grid(rows, "", "rl")


def convert(latex: str, display: bool = False) -> str:
    """LaTeX math to readable Unicode; display mode may span several lines (fractions, matrices)."""
    parser = _Parser(latex.strip(), display)
    if not display:
        # NFC: "y" + combining hat becomes "ŷ" where Unicode has it (terminals draw it better).
        return unicodedata.normalize("NFC", parser.seq(set()).text.strip())
    rows = parser.rows(set())
    box = parser.grid(rows, "", "rl") if len(rows) > 1 or len(rows[0]) > 1 else rows[0][0]
    lines = [line.rstrip() for line in box.lines]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    indent = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    return unicodedata.normalize("NFC", "\n".join(line[indent:] for line in lines))


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")
_FENCE = re.compile(r"^(\s*)(```|~~~)")
_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
_INLINE = re.compile(r"(?<![\\$])\$(?=\S)([^$\n]+?)(?<=\S)\$(?!\$)")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)


def _inline_math(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        return _MD_SPECIAL.sub(r"\\\1", convert(m.group(1)))

    # Code spans keep their dollars literally.
    parts = _CODE_SPAN.split(text)
    out = []
    i = 0
    while i < len(parts):
        out.append(_INLINE.sub(one, parts[i]))
        if i + 2 < len(parts):
            out.append(parts[i + 1] + parts[i + 2] + parts[i + 1])
        i += 3
    return "".join(out)


def markdown_math(markdown: str) -> str:
    """Markdown with its $...$ turned into Unicode text and $$...$$ into plain-text blocks.

    Fenced code blocks and `code spans` are left alone.
    """
    chunks: list[tuple[bool, list[str]]] = []
    fence = None
    for line in markdown.splitlines(keepends=True):
        m = _FENCE.match(line)
        if fence is None and m:
            fence = m.group(2)
            chunks.append((True, [line]))
        elif fence is not None:
            chunks[-1][1].append(line)
            if line.strip().startswith(fence) and len(chunks[-1][1]) > 1:
                fence = None
        elif chunks and not chunks[-1][0]:
            chunks[-1][1].append(line)
        else:
            chunks.append((False, [line]))
    out = []
    for is_code, lines in chunks:
        text = "".join(lines)
        if is_code:
            out.append(text)
            continue
        pieces = _DISPLAY.split(text)
        for j, piece in enumerate(pieces):
            if j % 2:
                out.append("\n\n```text\n" + convert(piece, display=True) + "\n```\n\n")
            else:
                out.append(_inline_math(piece))
    return "".join(out)
