"""`torch-tutor check --json` carries each step's `show` pictures: kind, title and compact text.

The lesson is a real TOML file run by the real command with a real worker.
"""

from __future__ import annotations

import json

import pytest
from cli_support import tutor

from tutor.cli.check import pictures_json
from tutor.cli.runner import StepRecord
from tutor.interpreter import ExecResult
from tutor.judge import StepOutcome

pytestmark = pytest.mark.timeout(240)

LESSON = '''
format_version = 1
id = "json-pictures"
title = "Pictures in JSON"
chapter = "Tests"
order = 1
summary = "Steps that draw, and one that does not."

[[steps]]
title = "Two pictures"
text = "A titled plot and an untitled histogram."
code = """
xs = torch.linspace(0, 1, 11)
show.plot(xs, xs ** 2, title="curves")
show.hist(torch.arange(10.0), bins=5)
"""
[steps.expect]
kind = "regex"
pattern = '\\[hist\\] 5 bins over 0 … 9'

[[steps]]
title = "No picture"
text = "Only prints."
code = """
print("plain")
"""

[[steps]]
title = "Exercise"
text = "Make `m` the 3×3 identity."
starter = """
m = ...
"""
solution = """
m = torch.eye(3)
show.heatmap(m, title="identity")
"""
check = """
assert isinstance(m, torch.Tensor) and torch.equal(m, torch.eye(3)), "m should be the 3x3 identity"
"""
hints = ["`torch.eye`"]

[[steps]]
title = "A graph"
text = "Autograd, drawn."
code = """
x = torch.arange(3, requires_grad=True, dtype=float)
y = torch.dot(x, x)
z = y**2
show.graph(z)
"""
'''


def test_check_json_carries_each_steps_pictures_as_in_the_plain_output(tmp_path):
    lesson = tmp_path / "json-pictures.toml"
    lesson.write_text(LESSON, encoding="utf-8")
    done = tutor(tmp_path, "check", str(lesson), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    steps = [row for line in done.stdout.splitlines() if "lesson" in (row := json.loads(line))]
    shown = {
        (r["step"], r["role"]): [(p["kind"], p["title"]) for p in r["pictures"]] for r in steps
    }
    assert shown == {
        (0, "demo"): [("plot", "curves"), ("hist", "")],
        (1, "demo"): [],
        (2, "starter"): [],
        (2, "solution"): [("heatmap", "identity")],
        (3, "demo"): [("graph", "")],
    }
    texts = {(r["step"], r["role"]): [p["text"] for p in r["pictures"]] for r in steps}
    plot, hist = texts[0, "demo"]
    assert plot == "[plot] curves · 11 points · x 0 … 1 · y 0 … 1"
    assert hist.startswith("[hist] 5 bins over 0 … 9 · n=10 mean 4.5")  # what the regex matched
    assert texts[2, "solution"] == ["[heatmap] identity · 3×3 (tensor 3×3) · values 0 … 1"]
    (graph,) = texts[3, "demo"]
    assert graph.splitlines() == [
        "[graph] z: 3 nodes, 1 leaf",
        "PowBackward0  (z.grad_fn)",
        "└── DotBackward0  (y.grad_fn)",
        "    ├── AccumulateGrad  (leaf x: shape (3,), float64, requires_grad=True)",
        "    └── AccumulateGrad  (leaf x: shape (3,), float64, requires_grad=True)",
    ]

    # Without --json and not on a terminal, check prints the very same text under each step.
    plain = tutor(tmp_path, "check", str(lesson))
    assert plain.returncode == 0, plain.stdout + plain.stderr
    for text in (plot, hist, *texts[2, "solution"], graph):
        assert "\n".join("      " + line for line in text.splitlines()) in plain.stdout


def test_a_picture_that_cannot_be_drawn_keeps_its_kind_and_says_why():
    bad = {"kind": "plot", "title": "broken", "series": []}  # a plot needs at least one series
    unknown = {"kind": "sound"}
    result = ExecResult(status="ok", displays=[bad, unknown])
    record = StepRecord("l", 0, "demo", "", True, "", outcome=StepOutcome(True, "", result, None))
    (first, second) = pictures_json(record)
    assert first["kind"] == "plot" and first["title"] == ""
    assert first["text"].startswith("[picture] cannot be drawn: bad plot picture")
    assert second == {
        "kind": "sound",
        "title": "",
        "text": "[picture] cannot be drawn: unknown picture kind 'sound'; "
        "expected one of plot, hist, image, heatmap, graph",
    }
