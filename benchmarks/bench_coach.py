"""Times what the mistake coach adds to a cell: facts in the worker, explain() in the UI; prints a table.

Run: .venv/bin/python benchmarks/bench_coach.py. Target (issue 13): at most 5 ms added to a failing
cell (median), nothing to a passing one. In-process, as the worker runs a cell (CellRunner): the
failing cells are the coach's test corpus (tests/coach_cases/*.toml, hits and misses); for each,
the median of 20 repeats of facts.collect (worker side) and of explain (UI side, from the facts
turned into JSON and back, as they travel). A passing cell never reaches facts.collect (it is in
the worker's exception path only), and explain_outcome on a passed outcome returns at once: the
table counts the calls and times that check.
"""

from __future__ import annotations

import contextlib
import io
import json
import statistics
import time
from pathlib import Path
from typing import Any

import torch

from tutor.coach import explain, explain_outcome
from tutor.interpreter import facts
from tutor.interpreter.cells import CellRunner
from tutor.interpreter.results import ExecResult
from tutor.judge import StepOutcome
from tutor.lessons.loader import toml_loads

CASES = Path(__file__).resolve().parent.parent / "tests" / "coach_cases"
REPEATS = 20
PASSING = [
    "x = torch.ones(3, 4)\ny = x @ x.T\ny.sum()",
    "a = torch.arange(10).float().mean()\na",
    "n = [1, 2, 3]\nsum(n)",
]


def _cells() -> list[tuple[str, str]]:
    cells = []
    for path in sorted(CASES.glob("*.toml")):
        data = toml_loads(path.read_text(encoding="utf-8"))
        for kind in ("case", "miss"):
            cells += [(kind, item["code"]) for item in data.get(kind, [])]
    return cells


def _fresh() -> dict[str, Any]:
    return {"__name__": "__main__", "torch": torch, "device": torch.device("cpu"), "show": None}


def _median_ms(func: Any) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _fail(runner: CellRunner, code: str, ns: dict[str, Any]) -> BaseException | None:
    try:
        body, expr = runner.compile(code)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            runner.run(body, expr, ns)  # what cells print is not the table
    except Exception as exc:  # the cell's own error, as the worker would catch it
        return exc
    return None


def main() -> None:
    runner = CellRunner(_fresh)
    rows: dict[str, list[tuple[float, float]]] = {"case": [], "miss": []}
    for i, (kind, code) in enumerate(_cells()):
        ns = runner.namespace(f"bench-{i}")
        exc = _fail(runner, code, ns)
        if exc is None:
            continue
        found = facts.collect(exc, ns, runner._lines.get)
        travelled = json.loads(json.dumps(found))
        # Called at once, inside this iteration: the loop variables are the ones meant.
        collect_ms = _median_ms(lambda: facts.collect(exc, ns, runner._lines.get))  # noqa: B023
        explain_ms = _median_ms(lambda: explain(type(exc).__name__, str(exc), travelled, lang="en"))  # noqa: B023
        rows[kind].append((collect_ms, explain_ms))

    print(f"torch {torch.__version__}; median of {REPEATS} repeats per cell, in ms")
    print(
        f"{'cells':<34}{'n':>4}{'facts (worker)':>16}{'explain (UI)':>14}{'total median':>14}{'total max':>11}"
    )
    for kind, label in (("case", "failing, in the catalogue"), ("miss", "failing, outside it")):
        data = rows[kind]
        totals = [a + b for a, b in data]
        print(
            f"{label:<34}{len(data):>4}{statistics.median(a for a, _ in data):>16.3f}"
            f"{statistics.median(b for _, b in data):>14.3f}{statistics.median(totals):>14.3f}"
            f"{max(totals):>11.3f}"
        )

    calls = 0
    real_collect = facts.collect

    def counting(*args: Any, **kw: Any) -> Any:
        nonlocal calls
        calls += 1
        return real_collect(*args, **kw)

    facts.collect = counting  # a passing cell must never reach it
    for i, code in enumerate(PASSING):
        assert _fail(runner, code, runner.namespace(f"pass-{i}")) is None
    facts.collect = real_collect
    passed = StepOutcome(True, "all checks passed", ExecResult(status="ok", output="5\n"), None)
    check_ms = _median_ms(lambda: explain_outcome(passed))
    print(
        f"{'passing cells':<34}{len(PASSING):>4}{'0 calls':>16}{check_ms:>14.4f}{check_ms:>14.4f}{'':>11}"
    )
    everything = [a + b for a, b in rows["case"] + rows["miss"]]
    verdict = "within" if statistics.median(everything) <= 5.0 else "OVER"
    print(
        f"failing cells, all {len(everything)}: median {statistics.median(everything):.3f} ms "
        f"({verdict} the 5 ms target); passing cells: facts.collect called {calls} times"
    )


if __name__ == "__main__":
    main()
