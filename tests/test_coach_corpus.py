"""The mistake coach against its corpus (tests/coach_cases/*.toml), through one real worker.

Every case's cell runs in the worker (its own namespace); the coach must name the expected entry,
with the learner's names and numbers in the text in English and Chinese, and the fix when the
case gives one. A case with `message` feeds a recorded older torch wording with the cell's facts.
Every `miss` must get no explanation at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.coach import explain
from tutor.coach.catalogue import entries
from tutor.interpreter import SyncInterpreter
from tutor.lessons.loader import toml_loads

CASES_DIR = Path(__file__).parent / "coach_cases"


def _load() -> tuple[list[dict], list[dict]]:
    cases: list[dict] = []
    misses: list[dict] = []
    for path in sorted(CASES_DIR.glob("*.toml")):
        data = toml_loads(path.read_text(encoding="utf-8"))
        for i, case in enumerate(data.get("case", [])):
            cases.append({**case, "where": f"{path.stem}[{i}]"})
        for i, miss in enumerate(data.get("miss", [])):
            misses.append({**miss, "where": f"{path.stem}.miss[{i}]"})
    return cases, misses


CASES, MISSES = _load()


@pytest.fixture(scope="module")
def results():
    """Every cell of the corpus, run once in one worker, each in a namespace of its own."""
    out: dict[str, object] = {}
    with SyncInterpreter(spare=False, default_timeout=60) as interp:
        for case in CASES + MISSES:
            out[case["where"]] = interp.execute(case["code"], namespace=case["where"])
    return out


def _explain(case: dict, result, lang: str):
    steps = {name: tuple(value) for name, value in case.get("steps", {}).items()}
    return explain(
        case.get("type", result.error_type),
        case.get("message", result.error_message),
        result.facts,
        lang=lang,
        lesson_id="corpus",
        step_names=steps,
    )


def test_the_corpus_is_big_enough_and_covers_every_error_entry():
    error_entries = {e.id for e in entries() if e.source == "error"}
    assert len(CASES) >= 60 and len(MISSES) >= 20, (len(CASES), len(MISSES))
    assert error_entries <= {c["entry"] for c in CASES}, error_entries - {c["entry"] for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=[c["where"] for c in CASES])
def test_case_gets_its_entry_in_the_learners_terms(case, results):
    result = results[case["where"]]
    assert result.status == "error", (result.status, result.output)
    for lang in ("en", "zh"):
        found = _explain(case, result, lang)
        assert found is not None, (
            f"{lang}: no explanation for {result.error_type}: {result.error_message}"
        )
        assert found.id == case["entry"], (lang, found.id, found.text)
        for needle in case[lang]:
            assert needle in found.text, f"{lang}: {needle!r} not in {found.text!r}"
        if "fix" in case:  # "" means: no fix (none is clear enough)
            assert found.fix == (case["fix"] or None)
    if "message" in case:
        # A recorded older wording: not what the cell raised today (type or message differ).
        assert (case["type"], case["message"]) != (result.error_type, result.error_message)


@pytest.mark.parametrize("case", MISSES, ids=[c["where"] for c in MISSES])
def test_miss_gets_no_explanation(case, results):
    result = results[case["where"]]
    assert result.status == "error"
    for lang in ("en", "zh"):
        found = _explain(case, result, lang)
        assert found is None, (result.error_type, result.error_message, found)
