"""Tests lesson_model(): the model class a learner wrote in a lesson's cells becomes a file the trainer imports."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from test_training_support import NOTES_CNN, NOTES_FCN, notes_class

from tutor.lessons.loader import load_catalog
from tutor.training.config import TrainConfig
from tutor.training.loop import Trainer
from tutor.training.user_model import lesson_model, write_lesson_model


def _cells(lesson_id: str) -> list[str]:
    lesson = next(
        item.lesson
        for item in load_catalog([], builtin=True, user=False, env=False).lessons
        if item.lesson.id == lesson_id
    )
    return [(s.solution if s.is_exercise else s.code) for s in lesson.steps if s.runnable]


@pytest.mark.parametrize(("lesson_id", "notes"), [("fcn-mnist", NOTES_FCN), ("cnn", NOTES_CNN)])
def test_the_built_in_lessons_net_trains_and_matches_the_notes_layers(
    tmp_path, home, lesson_id, notes
):
    model = lesson_model(_cells(lesson_id))
    assert model.class_name == "Net"
    # Only definitions: the cells' prints, demo tensors and training loops are not in the file.
    assert "print(" not in model.source and "model = Net()" not in model.source
    spec = write_lesson_model(model, tmp_path / "models", lesson_id)
    done = Trainer(TrainConfig(model=spec, steps=20, threads=1), lambda e: None).run()
    assert done.steps == 20 and done.model == spec
    saved = torch.load(done.saved[0], weights_only=True)
    assert saved.keys() == notes_class(notes)().state_dict().keys()


def test_definitions_keep_their_constants_and_the_last_one_wins():
    cells = [
        "HIDDEN = 32\nscale = torch.rand(3)  # computed: dropped\nfor i in range(3):\n    print(i)",
        "class Net(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(784, 10)",
        "def broken(:\n    pass",  # a cell that does not parse is skipped
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(784, HIDDEN)\n\n    def forward(self, x):\n        return self.fc(x.view(-1, 784))",
        "class Helper:\n    pass\nnet = Net()\nnet(torch.rand(1, 784))",
    ]
    model = lesson_model(cells)
    assert model.class_name == "Net"
    namespace: dict = {}
    exec(compile(model.source, "<lesson model>", "exec"), namespace)  # runs nothing but definitions
    assert namespace["HIDDEN"] == 32 and "scale" not in namespace and "net" not in namespace
    assert namespace["Net"]().fc.out_features == 32  # the second Net, not the first
    assert model.source.count("class Net(") == 1


def test_without_net_the_last_module_class_is_trained_and_without_any_it_says_so():
    assert (
        lesson_model(
            ["class A(nn.Module):\n    pass", "class B(torch.nn.Module):\n    pass"]
        ).class_name
        == "B"
    )
    with pytest.raises(ValueError, match="no nn.Module subclass is defined"):
        lesson_model(["x = torch.ones(3)\nprint(x)", "class Plain:\n    pass"])


def test_the_module_needs_no_torch():
    code = "import sys, tutor.training.user_model; print('torch' in sys.modules)"
    assert (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        == "False\n"
    )
