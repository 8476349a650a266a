"""Tests that the Data lesson's capstone (the notes' whole MNIST script) reaches its stated accuracy.

The script runs as a learner's cell would, in a real sandboxed worker, with the one change the
lesson tells a learner who has the real t10k files to make: `prepare_mnist(test_dir=...)`, here
CI's copy in ../shared/data/mnist.
"""

from __future__ import annotations

import re

import pytest
from test_training_support import MNIST, needs_mnist

from tutor.interpreter import SyncInterpreter
from tutor.lessons.loader import load_file
from tutor.lessons.model import tr
from tutor.paths import builtin_lessons_dir


def _capstone():
    """The capstone exercise of lessons/13-data.toml and the accuracy its check demands."""
    loaded = load_file(builtin_lessons_dir() / "13-data.toml")
    step = next(s for s in loaded.lesson.steps if s.check and "_STATED" in s.check)
    stated = int(re.search(r"^_STATED = (\d+)$", step.check, re.M).group(1))
    return step, stated


def test_the_lesson_states_the_accuracy_its_check_demands():
    step, stated = _capstone()
    assert f"at least {stated} %" in tr(step.text, "en")
    assert f"至少 {stated}%" in tr(step.text, "zh")


@needs_mnist
@pytest.mark.slow
def test_capstone_script_reaches_the_stated_accuracy_on_real_t10k():
    step, stated = _capstone()
    assert step.solution.count("prepare_mnist()") == 1
    script = step.solution.replace("prepare_mnist()", f"prepare_mnist(test_dir={str(MNIST)!r})")
    with SyncInterpreter(spare=False, default_timeout=600) as interp:
        run = interp.execute(script)
        assert run.status == "ok", run.output + run.traceback
        assert "test = MNIST t10k (10,000)" in run.output, run.output
        probe = interp.execute("print(len(test_dataset), acc)")
        # The lesson's own check, on the same namespace: it scores the model on t10k itself.
        check = interp.execute("from tutor.interpreter.check_helpers import say\n" + step.check)
    assert check.status == "ok", check.output + check.traceback
    assert probe.status == "ok", probe.traceback
    count, acc = probe.output.split()
    assert int(count) == 10_000
    assert float(acc) >= stated, f"the capstone reached {acc}% on t10k; the lesson states {stated}%"
