"""Provides number literals as torch prints them, and tolerant closeness of two values."""

from __future__ import annotations

import math
import re

Value = bool | int | float | complex

_REAL = r"(?:nan|inf|\d+(?:\.\d*)?(?:e[-+]?\d+)?)"
# One element of a printed tensor: a bool, an int, a float (fixed or scientific,
# nan, inf) or a complex `1.+2.j` / `nan+infj`. The lookahead keeps `1.5abc` out.
ELEMENT = re.compile(
    rf"(?P<neg>-)?(?:(?P<bool>True|False)|(?P<re>{_REAL})(?:(?P<isign>[-+])(?P<im>{_REAL})j)?)(?![\w.])"
)

# A float written in plain text (Python's repr, f-strings): it needs a point or an
# exponent, so integers stay words and are compared exactly. Version strings such
# as 2.14.1 are not numbers.
TEXT_FLOAT = re.compile(
    r"(?<![\w.])[-+]?(?:\d+\.\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)(?![\w.])"
)


def half_ulp(literal: str) -> float:
    """Half a unit in the last printed digit: how far rounding may have moved the value.

    torch prints every element of a float tensor with the same precision, so two
    tensors within tolerance can print one last digit apart. An integral literal
    (`1.`) means torch saw exact integers, so it carries no rounding.
    """
    mantissa, _, exponent = literal.lower().partition("e")
    _, dot, fraction = mantissa.partition(".")
    if not dot or not fraction or not fraction.isdigit():
        return 0.0
    try:
        exp = int(exponent) if exponent else 0
    except ValueError:
        return 0.0
    return 0.5 * 10.0 ** (exp - len(fraction))


def element_value(match: re.Match[str]) -> tuple[Value, str, float]:
    """The value of an ELEMENT match, its kind (b, i, f, c) and its rounding slack."""
    neg = match.group("neg") is not None
    if match.group("bool") is not None:
        if neg:
            raise ValueError("a negative bool")
        return match.group("bool") == "True", "b", 0.0
    real_text = match.group("re")
    imag_text = match.group("im")
    if imag_text is not None:
        real = float(real_text) * (-1 if neg else 1)
        imag = float(imag_text) * (-1 if match.group("isign") == "-" else 1)
        slack = max(half_ulp(real_text), half_ulp(imag_text))
        return complex(real, imag), "c", slack
    if real_text.isdigit():
        return -int(real_text) if neg else int(real_text), "i", 0.0
    value = float(real_text)
    return (-value if neg else value), "f", half_ulp(real_text)


def close(expected: Value, actual: Value, rtol: float, atol: float, slack: float = 0.0) -> bool:
    """numpy.isclose with nan == nan, plus the printed rounding ``slack``; ints and bools exact."""
    if isinstance(expected, (bool, int)) and isinstance(actual, (bool, int)):
        return expected == actual and isinstance(expected, bool) == isinstance(actual, bool)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return False
    if isinstance(expected, complex) or isinstance(actual, complex):
        e, a = complex(expected), complex(actual)
        return _close_float(e.real, a.real, rtol, atol, slack) and _close_float(
            e.imag, a.imag, rtol, atol, slack
        )
    return _close_float(float(expected), float(actual), rtol, atol, slack)


def _close_float(e: float, a: float, rtol: float, atol: float, slack: float) -> bool:
    if math.isnan(e) or math.isnan(a):
        return math.isnan(e) and math.isnan(a)
    if math.isinf(e) or math.isinf(a):
        return e == a
    return abs(a - e) <= atol + rtol * abs(e) + slack


def fmt_value(value: Value) -> str:
    """A value as a learner reads it in a reason: 3.0, 7, True, nan, (1+2j)."""
    if isinstance(value, float):
        return repr(value)
    return str(value)
