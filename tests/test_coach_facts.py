"""The worker's facts about a failing line (tutor.interpreter.facts): safe, plain JSON, the learner's names."""

from __future__ import annotations

import json

import pytest

from tutor.interpreter import SyncInterpreter


@pytest.fixture(scope="module")
def interp():
    with SyncInterpreter(spare=False, default_timeout=60) as it:
        yield it


def test_a_passing_cell_has_no_facts(interp):
    result = interp.execute("x = torch.ones(2)\nx.sum()", namespace="facts-ok")
    assert result.ok and result.facts is None


def test_learner_code_is_never_run_to_read_facts(interp):
    code = """
class Sneaky:
    def __repr__(self):
        print("REPR RAN")
        return "sneaky"
    @property
    def shape(self):
        print("PROPERTY RAN")
        return (1,)
    def __getattr__(self, name):
        print("GETATTR RAN")
        return 0
    @property
    def __class__(self):
        print("CLASS RAN")
        return Sneaky

class Tricky(torch.Tensor):
    @property
    def shape(self):
        print("SUBCLASS PROPERTY RAN")
        return (9,)

s = Sneaky()
t = torch.ones(3).as_subclass(Tricky)
bad = undefined_name + s.shape + t  # fails first: nothing on the line has run
"""
    result = interp.execute(code, namespace="facts-safe")
    assert result.error_type == "NameError"
    assert "RAN" not in result.output, result.output
    names = result.facts["names"]
    assert names["s"] == {"kind": "object", "type": "Sneaky"}
    assert names["t"] == {"kind": "object", "type": "Tricky"}  # a subclass may override anything
    assert "s.shape" not in names  # an attribute of an unknown object is not read
    json.dumps(result.facts)  # plain JSON


def test_facts_come_from_the_failing_function_frame(interp):
    code = """
def scale(batch, factor):
    weights = torch.ones(4, 2)
    return batch @ weights * factor

data = torch.ones(5, 3)
scale(data, 2)
"""
    result = interp.execute(code, namespace="facts-frame")
    facts = result.facts
    assert facts["line"] == "return batch @ weights * factor" and facts["function"] == "scale"
    assert facts["names"]["batch"]["shape"] == [5, 3]
    assert facts["names"]["weights"]["shape"] == [4, 2]
    assert facts["names"]["factor"] == {"kind": "int", "value": 2}
    assert {"op": "@", "args": ["batch", "weights"]} in facts["ops"]
    assert "scale" in facts["defined"] and "data" in facts["defined"]
    assert facts["device"] == "cpu"


def test_the_failing_layer_is_found_inside_the_learners_model(interp):
    code = """
import torch.nn as nn
net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.Linear(100, 10))
net(torch.ones(2, 1, 8, 8))
"""
    result = interp.execute(code, namespace="facts-layer")
    layer = result.facts["layer"]
    assert layer["class"] == "Linear" and layer["path"] == "net[2]"
    assert layer["in_features"] == 100 and layer["input"]["shape"] == [2, 144]
    assert layer["weight"] == {"shape": [10, 100], "dtype": "float32", "device": "cpu"}


def test_a_syntax_error_has_only_the_namespaces_names(interp):
    interp.execute("kept = 1", namespace="facts-syntax")
    result = interp.execute("x = (1,", namespace="facts-syntax")
    assert result.error_type == "SyntaxError"
    assert "kept" in result.facts["defined"] and "names" not in result.facts
