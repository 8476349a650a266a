"""Provides the symbol tables and the 2-D text boxes that tutor.app.mathtext lays formulas out with."""

from __future__ import annotations

import re

from rich.cells import cell_len

# Unicode has super/subscript forms for only some characters; anything else falls back.
SUP = dict(
    zip(
        "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWαβγδεθιφχ−",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵅᵝᵞᵟᵋᶿᶥᵠᵡ⁻",
        strict=True,
    )
)
SUB = dict(
    zip(
        "0123456789+-=()aehijklmnoprstuvxβγρφχ−",
        "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ₋",
        strict=True,
    )
)

GREEK = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega".split()
SYMBOLS: dict[str, str] = {
    name: chr(0x3B1 + i + (1 if i >= 17 else 0)) for i, name in enumerate(GREEK)
}
SYMBOLS.update(
    {
        "Gamma": "Γ",
        "Delta": "Δ",
        "Theta": "Θ",
        "Lambda": "Λ",
        "Xi": "Ξ",
        "Pi": "Π",
        "Sigma": "Σ",
        "Phi": "Φ",
        "Psi": "Ψ",
        "Omega": "Ω",
        "varepsilon": "ε",
        "varphi": "φ",
        "vartheta": "ϑ",
        "cdot": "·",
        "times": "×",
        "div": "÷",
        "pm": "±",
        "mp": "∓",
        "le": "≤",
        "leq": "≤",
        "ge": "≥",
        "geq": "≥",
        "ne": "≠",
        "neq": "≠",
        "approx": "≈",
        "equiv": "≡",
        "sim": "∼",
        "propto": "∝",
        "in": "∈",
        "notin": "∉",
        "subset": "⊂",
        "subseteq": "⊆",
        "cup": "∪",
        "cap": "∩",
        "infty": "∞",
        "partial": "∂",
        "nabla": "∇",
        "to": "→",
        "rightarrow": "→",
        "leftarrow": "←",
        "Rightarrow": "⇒",
        "Leftarrow": "⇐",
        "longrightarrow": "⟶",
        "mapsto": "↦",
        "iff": "⇔",
        "cdots": "⋯",
        "ldots": "…",
        "dots": "…",
        "vdots": "⋮",
        "ddots": "⋱",
        "forall": "∀",
        "exists": "∃",
        "R": "ℝ",
        "N": "ℕ",
        "Z": "ℤ",
        "sum": "∑",
        "prod": "∏",
        "int": "∫",
        "odot": "⊙",
        "otimes": "⊗",
        "oplus": "⊕",
        "circ": "∘",
        "ast": "∗",
        "star": "⋆",
        "prime": "′",
        "top": "ᵀ",
        "quad": "  ",
        "qquad": "    ",
        ",": " ",
        ";": " ",
        ":": " ",
        " ": " ",
        "!": "",
        "{": "{",
        "}": "}",
        "|": "‖",
        "lvert": "|",
        "rvert": "|",
        "langle": "⟨",
        "rangle": "⟩",
        "%": "%",
        "_": "_",
        "&": "&",
        "#": "#",
        "$": "$",
        "lbrace": "{",
        "rbrace": "}",
        "mid": "|",
    }
)
FUNCTIONS = set(
    "log ln exp sin cos tan tanh sinh cosh arctan arcsin arccos max min argmax argmin arg lim sup inf det sgn softmax".split()
)
ACCENTS = {
    "hat": "\u0302",
    "widehat": "\u0302",
    "bar": "\u0304",
    "overline": "\u0305",
    "tilde": "\u0303",
    "vec": "\u20d7",
    "dot": "\u0307",
    "ddot": "\u0308",
}
BOLD = {"mathbf", "bold", "boldsymbol", "bm", "textbf"}
PLAIN = {
    "mathrm",
    "rm",
    "text",
    "textrm",
    "mathit",
    "operatorname",
    "mathsf",
    "mathtt",
    "mbox",
    "textit",
}
BB = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼", "P": "ℙ"}
IGNORED = {
    "left",
    "right",
    "big",
    "Big",
    "bigg",
    "Bigg",
    "bigl",
    "bigr",
    "Bigl",
    "Bigr",
    "displaystyle",
    "limits",
    "nolimits",
    "rm",
    "it",
    "bf",
    "color",
    "label",
    "nonumber",
}
MATRICES = {
    "matrix": ("", ""),
    "pmatrix": ("(", ")"),
    "bmatrix": ("[", "]"),
    "Bmatrix": ("{", "}"),
    "vmatrix": ("|", "|"),
    "Vmatrix": ("‖", "‖"),
    "smallmatrix": ("", ""),
    "cases": ("{", ""),
    "array": ("", ""),
}
# Tall delimiters: (top, middle, bottom) for brackets that span several lines.
TALL = {
    "(": "⎛⎜⎝",
    ")": "⎞⎟⎠",
    "[": "⎡⎢⎣",
    "]": "⎤⎥⎦",
    "{": "⎧⎨⎩",
    "}": "⎫⎬⎭",
    "|": "│││",
    "‖": "‖‖‖",
}
ARROWS = {"→", "⟶", "=", "⇒", "←"}
RELATIONS = {
    "∈",
    "∉",
    "≤",
    "≥",
    "≠",
    "≈",
    "≡",
    "→",
    "←",
    "⇒",
    "⇐",
    "⟶",
    "⇔",
    "∼",
    "∝",
    "⊂",
    "⊆",
    "↦",
    "×",
    "·",
    "±",
    "∓",
    "÷",
    "⊙",
    "⊗",
    "⊕",
    "∘",
}


class Box:
    """A block of text lines with a baseline, so fractions and matrices can sit side by side."""

    def __init__(self, lines: list[str] | str = "", base: int = 0) -> None:
        self.lines = [lines] if isinstance(lines, str) else lines
        self.base = base

    @property
    def width(self) -> int:
        return max((cell_len(line) for line in self.lines), default=0)

    @property
    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.lines)

    def flat(self) -> bool:
        return len(self.lines) == 1


def pad(line: str, width: int, align: str = "l") -> str:
    gap = max(0, width - cell_len(line))
    if align == "r":
        return " " * gap + line
    if align == "c":
        return " " * (gap // 2) + line + " " * (gap - gap // 2)
    return line + " " * gap


def hcat(boxes: list[Box]) -> Box:
    """Join boxes left to right, lining up their baselines."""
    boxes = [b for b in boxes if b.lines != [""]] or [Box("")]
    above = max(b.base for b in boxes)
    below = max(len(b.lines) - b.base for b in boxes)
    rows = [""] * (above + below)
    for b in boxes:
        top = above - b.base
        w = b.width
        for i in range(above + below):
            j = i - top
            rows[i] += pad(b.lines[j] if 0 <= j < len(b.lines) else "", w)
    return Box(rows, above)


def script(text: str, table: dict[str, str]) -> str | None:
    if text and all(c in table for c in text):
        return "".join(table[c] for c in text)
    return None


def linear(text: str) -> str:
    """Wrap a multi-symbol text in parentheses for linear notation (a/b, x^(n+1))."""
    if not re.search(r"[\s+\-−=,·×/<>≤≥∈]", text) or re.fullmatch(r"\(.*\)|\[.*\]", text):
        return text
    return f"({text})"


def bold_text(text: str) -> str:
    out = []
    for c in text:
        if "A" <= c <= "Z":
            out.append(chr(0x1D400 + ord(c) - 65))
        elif "a" <= c <= "z":
            out.append(chr(0x1D41A + ord(c) - 97))
        elif "0" <= c <= "9":
            out.append(chr(0x1D7CE + ord(c) - 48))
        else:
            out.append(c)
    return "".join(out)


def tall(delim: str, height: int) -> Box:
    if height <= 1 or not delim:
        return Box(delim)
    top, mid, bot = TALL.get(delim, delim * 3)
    return Box([top] + [mid] * (height - 2) + [bot])
