"""Pilot: a lesson's setup and a check's say() reach the learner in the app, under --lang zh."""

from __future__ import annotations

import pytest
from app_support import run_step, running, set_cell

from tutor.lessons.loader import load_catalog

pytestmark = pytest.mark.timeout(240)

LESSON = """format_version = 1
id = "app-say"
title = { en = "Say", zh = "说" }
chapter = { en = "Checks", zh = "检查" }
order = 1
summary = { en = "s", zh = "s" }
setup = '''
from torch import arange

def target(n):
    return arange(n) * 2
'''

[[steps]]
title = { en = "Evens", zh = "偶数" }
text = { en = "Make `evens(n)`.", zh = "写出 `evens(n)`。" }
starter = "def evens(n):\\n    return arange(n)\\n"
solution = "def evens(n):\\n    return arange(n) * 2\\n"
check = '''
random_cases(evens, target, ["size n"], sizes=(2, 5))
'''
hints = [{ en = "Double it.", zh = "乘以 2。" }]
"""


async def test_setup_names_and_translated_check_messages_in_the_app(tmp_path):
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / "say.toml").write_text(LESSON, encoding="utf-8")
    catalog = load_catalog([folder], builtin=False, user=False, env=False)
    assert not catalog.errors, [str(e) for e in catalog.errors]
    async with running((120, 40), catalog=catalog, lesson_id="app-say", lang="zh") as (app, pilot):
        outcome = await run_step(pilot)  # the starter: arange comes from the hidden setup
        assert outcome.passed is False
        assert outcome.reason.startswith(
            "检查未通过：第 1 个用例（共 40 个）：evens(n=2)：数值不同"
        )
        set_cell(app, "def evens(n):\n    return target(n)\n")  # setup's names are usable
        outcome = await run_step(pilot)
        assert outcome.passed, outcome.reason
        # The check's helpers never became the learner's names.
        seen = await app.host.interp.execute(
            "'random_cases' in dir(), 'target' in dir()", namespace="app-say"
        )
        assert seen.value == "(False, True)"
