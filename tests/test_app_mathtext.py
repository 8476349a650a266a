"""Unit tests of tutor.app.mathtext: the LaTeX the notes use, turned into readable Unicode."""

from __future__ import annotations

import pytest

from tutor.app.mathtext import convert, markdown_math


@pytest.mark.parametrize(
    "latex,expected",
    [
        (r"C_{in}=1,C_{out}=10,kernel=5", "Cᵢₙ=1,Cₒᵤₜ=10,kernel=5"),
        (r"kernel=2\times2", "kernel=2×2"),
        (r"\frac{\partial y}{\partial x} = [0,2,4]", "∂y/∂x = [0,2,4]"),
        (r"\sigma(x) = \frac{1}{1+e^{-x}}", "σ(x) = 1/(1+e⁻ˣ)"),
        (r"\bold{z} = [z_1,z_2,\cdots,z_n]\in\R^n", "𝐳 = [z₁,z₂,⋯,zₙ]∈ℝⁿ"),
        (r"\mathbf{W} \cdot \mathbf{x}", "𝐖 · 𝐱"),
        (r"y = \bold{x}^T\bold{x} = x_1^2+x_2^2", "y = 𝐱ᵀ𝐱 = x₁²+x₂²"),
        (r"\sum_{i=1}^n e^{z_i}", "∑ᵢ₌₁ⁿ e^(zᵢ)"),
        (r"\sum_{i\in d_0} a_{ijk}", "∑_(i∈d₀) aᵢⱼₖ"),
        (r"\log x + \log(\sqrt{2}) + \sqrt{x+1}", "log x + log(√2) + √(x+1)"),
        (r"\hat{y}_1", "ŷ₁"),
        (r"\alpha\beta\gamma\Omega", "αβγΩ"),
        (r"a \le b \neq c", "a ≤ b ≠ c"),
        (r"{\rm softmax}(\bold{z})", "softmax(𝐳)"),
        (r"\unknowncommand{x}", "unknowncommandx"),
    ],
)
def test_inline(latex, expected):
    assert convert(latex) == expected


def test_display_fraction_is_drawn_over_a_bar():
    assert convert(r"\sigma(x) = \frac{1}{1+e^{-x}}", display=True).splitlines() == [
        "          1",
        "σ(x) = ───────",
        "        1+e⁻ˣ",
    ]


def test_display_aligned_lines_and_matrices():
    text = convert(r"\begin{split} a &= b + c\\ &= d \end{split}", display=True)
    assert text.splitlines() == ["a= b + c", " = d"]
    matrix = convert(r"A = \begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", display=True)
    assert matrix.splitlines() == ["A = ⎛1  2⎞", "    ⎝3  4⎠"]
    assert convert(r"\begin{bmatrix} 1 & 2 \end{bmatrix}") == "[1, 2]"


def test_markdown_converts_math_but_not_code():
    md = "Loss $L = -\\log p_j$, code `$x$` stays.\n\n$$\\frac{a}{b}$$\n\n```python\ns = '$a$'\n```\n"
    out = markdown_math(md)
    assert "L = −log pⱼ" in out
    assert "`$x$`" in out and "s = '$a$'" in out
    assert "```text\n a\n───\n b\n```" in out


def test_dollar_amounts_are_not_math():
    assert markdown_math("it costs $5 and $6 today") == "it costs $5 and $6 today"


def test_markdown_specials_in_math_are_escaped():
    # A leftover underscore must not start emphasis in the Markdown around it.
    assert markdown_math("$x_{b}$ and $y_{c}$") == "x\\_b and y\\_c"
