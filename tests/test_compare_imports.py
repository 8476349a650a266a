"""Tests that the comparison engine loads neither torch nor textual (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
import tutor.compare
from tutor.compare import Observed, compare
from tutor.lessons.model import TensorExpect
verdict = compare(TensorExpect(output="tensor([1., 2.])"), Observed("tensor([1.0000, 2.5000])"))
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "textual", "numpy"))
print(json.dumps({"heavy": heavy, "reason": verdict.reason}))
"""


def test_import_tutor_compare_loads_no_torch_textual_or_numpy():
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    result = json.loads(proc.stdout)
    assert result["reason"] == "value differs at [1]: expected 2.0, got 2.5"
    assert result["heavy"] == []
