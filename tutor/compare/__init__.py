"""Provides the comparison engine: a cell's output judged against an expectation (pure Python).

    >>> from tutor.compare import Observed, compare
    >>> from tutor.lessons.model import TensorExpect
    >>> compare(TensorExpect(output="tensor([1., 2.])"), Observed("tensor([1.0000, 2.0000])\\n")).passed
    True

No torch, no textual: it reads the text torch printed.
"""

from .engine import compare, compare_regex
from .errors import RENAMES, error_matches
from .kind_tensor import Options, compare_tensor_output
from .kind_text import compare_text
from .model import DiffLine, Observed, Verdict
from .tensor_repr import SizeRepr, TensorRepr, parse_size, parse_tensor

__all__ = [
    "RENAMES",
    "DiffLine",
    "Observed",
    "Options",
    "SizeRepr",
    "TensorRepr",
    "Verdict",
    "compare",
    "compare_regex",
    "compare_tensor_output",
    "compare_text",
    "error_matches",
    "parse_size",
    "parse_tensor",
]
