"""Tests for `torch-tutor record`: outputs written with tomlkit, comments and formatting kept."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from tutor.lessons.loader import LoadedLesson, load_file
from tutor.lessons.recorder import default_kind, record_outputs, toml_string

FIXTURES = Path(__file__).parent / "lessons_fixtures"

SOURCE = """\
# Top comment: must survive.
format_version = 1
id = "rec"
title = "Record me"   # trailing comment on a key
chapter = "Fixtures"
order = 1
summary = "s"

[[steps]]
text = "no expectation yet"
code = "torch.arange(3)"
timeout = 5

# This comment introduces step 1 and must stay right above it.
[[steps]]
text = "a stale text expectation"
code = "print('hello')"
expect = { kind = "text", output = "goodbye" }

[[steps]]
text = "a regex is the author's own"
code = "print(1)"

[steps.expect]
kind = "regex"  # keep me
pattern = "^1$"

[[steps]]
text = "prints no tensor"
code = "print('a')\\nprint('b')"
"""


def test_default_kind():
    assert default_kind("tensor([1, 2])\n") == "tensor"
    assert default_kind("x = tensor(3.)\n") == "tensor"
    assert default_kind("torch.Size([2, 3])\n") == "text"
    assert default_kind("a\nb\n") == "text"


@pytest.mark.parametrize(
    "value",
    [
        "4.0\n",
        "a\nb\n",
        "tensor([[0, 1],\n        [2, 3]])\n",
        "it's '''odd'''\n",
        'q"\\\n',
        "tab\there\x01\n",
        "no newline",
    ],
)
def test_toml_string_round_trips(value):
    text = f"a = {toml_string(value).as_string()}\n"
    assert tomllib.loads(text)["a"].rstrip("\n") == value.rstrip("\n")


def test_multiline_outputs_are_written_as_literal_blocks():
    assert toml_string("a\nb\n").as_string() == "'''\na\nb\n'''"
    assert toml_string("4.0\n").as_string() == '"4.0"'


def test_record_outputs_keeps_comments_and_formatting():
    outputs = {0: "tensor([0, 1, 2])\n", 1: "hello\n", 2: "1\n", 3: "a\nb\n"}
    new, changes = record_outputs(SOURCE, outputs)
    assert [(c.step, c.action, c.kind) for c in changes] == [
        (0, "added", "tensor"),
        (1, "updated", "text"),
        (3, "added", "text"),
    ]
    for comment in (
        "# Top comment: must survive.",
        'title = "Record me"   # trailing comment on a key',
        'kind = "regex"  # keep me',
    ):
        assert comment in new
    # The comment before step 1 still sits directly above its [[steps]] header.
    assert "# This comment introduces step 1 and must stay right above it.\n[[steps]]" in new
    assert 'timeout = 5\n\n[steps.expect]\nkind = "tensor"\noutput = "tensor([0, 1, 2])"\n' in new
    data = tomllib.loads(new)
    assert data["steps"][0]["expect"] == {"kind": "tensor", "output": "tensor([0, 1, 2])"}
    assert data["steps"][1]["expect"] == {"kind": "text", "output": "hello"}
    assert data["steps"][2]["expect"] == {"kind": "regex", "pattern": "^1$"}
    assert data["steps"][3]["expect"] == {"kind": "text", "output": "a\nb\n"}
    assert data["steps"][0]["timeout"] == 5
    # Everything outside the changed values is byte-for-byte the same.
    assert new.startswith(SOURCE[: SOURCE.index("[[steps]]")])


def test_recording_the_same_outputs_again_changes_nothing():
    outputs = {0: "tensor([0, 1, 2])\n", 1: "hello\n", 3: "a\nb\n"}
    once, _ = record_outputs(SOURCE, outputs)
    twice, changes = record_outputs(once, outputs)
    assert twice == once
    assert {c.action for c in changes} == {"unchanged"}


def test_record_on_a_copy_of_the_fixture_only_touches_outputs(tmp_path):
    path = tmp_path / "basics.toml"
    shutil.copy(FIXTURES / "good" / "basics.toml", path)
    original = path.read_text()
    new, changes = record_outputs(
        original,
        {1: "tensor([[0, 1, 2],\n        [3, 4, 5]])\n", 2: "torch.Size([2, 3])\ntorch.int32\n"},
    )
    assert [(c.step, c.action) for c in changes] == [(1, "unchanged"), (2, "updated")]
    assert new == original.replace("torch.int64\n'''", "torch.int32\n'''")
    path.write_text(new)
    assert isinstance(load_file(path), LoadedLesson)
