"""Provides what the app tests share: the fixture lessons, an app factory, a fake interpreter, waits.

The private TORCH_TUTOR_HOME every test gets is the autouse tutor_home fixture in conftest.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from tutor.app import TutorApp
from tutor.interpreter.results import DeviceInfo
from tutor.lessons.loader import Catalog, load_catalog

LESSONS = Path(__file__).parent / "app_lessons"
# Generous: the machine is shared, and a worker boot imports torch (~1.5 s alone).
WAIT = 60.0


def fixture_catalog() -> Catalog:
    """Only tests/app_lessons: built-in lessons may change without touching these tests."""
    return load_catalog([LESSONS], builtin=False, user=False, env=False)


class FakeInterpreter:
    """The Interpreter's API for tests that only navigate and lay out screens: no worker, no torch.

    It becomes ready at once and counts restarts as new generations, as the real one does. It runs
    no cells: a test that runs one must use the real interpreter (its behaviour is tested against
    the real worker, in the interpreter tests and the journeys), so execute() fails loudly.
    """

    def __init__(self) -> None:
        self.state = "starting"
        self.device: DeviceInfo | None = None
        self.generation = 0
        self.shutdowns = 0

    async def start(self) -> DeviceInfo:
        self.device = DeviceInfo(kind="cpu", name="fake", label="cpu (fake)", torch_version="0.0")
        self.state = "ready"
        return self.device

    async def restart(self) -> DeviceInfo:
        self.generation += 1
        return await self.start()

    async def execute(self, code: str, **_options: Any) -> Any:
        raise AssertionError(
            f"FakeInterpreter runs no cells (asked for {code!r}): use the real one"
        )

    async def interrupt(self) -> None:
        pass  # nothing runs, so there is nothing to interrupt

    async def reset_namespace(self, namespace: str) -> None:
        pass  # no namespaces are kept

    async def shutdown(self) -> None:
        self.state = "stopped"
        self.shutdowns += 1


def make_app(catalog: Catalog | None = None, *, fake: bool = False, **kwargs: Any) -> TutorApp:
    """The app over ``catalog`` (the fixture lessons by default), in stable mode (no timings or
    machine names).

    ``fake=True``: over a FakeInterpreter, for tests that run no cell (no torch worker boots).
    """
    kwargs.setdefault("stable", True)
    if fake:
        kwargs["interpreter"] = FakeInterpreter()
    # No spare worker: half the processes on a 2-core machine; restarts are cold (~1.5 s).
    kwargs.setdefault("interpreter_options", {"spare": False})
    return TutorApp(catalog if catalog is not None else fixture_catalog(), **kwargs)


@asynccontextmanager
async def running(
    size: tuple[int, int] = (120, 40), *, ready: bool = True, **options: Any
) -> AsyncIterator[tuple[TutorApp, Pilot]]:
    """``make_app(**options)`` in a terminal of ``size``; with ``ready``, once its interpreter is."""
    app = make_app(**options)
    async with app.run_test(size=size) as pilot:
        if ready:
            await wait_ready(pilot)
            await pilot.pause()  # a fake interpreter is ready before the first frame is drawn
        yield app, pilot


async def wait_for(
    pilot: Pilot, condition: Callable[[], bool], what: str, timeout: float = WAIT
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await pilot.pause(0.05)


async def wait_ready(pilot: Pilot) -> None:
    app = pilot.app
    try:
        await wait_for(pilot, lambda: app.interp_state == "ready", "the interpreter to be ready")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; state {app.host.state!r}, error {app.host.error!r}") from None


async def wait_finished(pilot: Pilot, before: int) -> None:
    """Wait until the lesson screen has finished more runs than ``before``."""
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.finished_runs > before, "the cell to finish")
    await pilot.pause(0.1)


async def run_step(pilot: Pilot, key: str = "f5") -> Any:
    """Press the run key, wait for the run to finish; the current step's outcome."""
    screen = pilot.app.screen
    before = screen.finished_runs
    await pilot.press(key)
    await wait_finished(pilot, before)
    return screen.state.state.outcome


def screen_text(app: TutorApp) -> str:
    """What the terminal shows, as plain text (for asserting on visible words)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def set_cell(app: TutorApp, code: str) -> None:
    app.screen.query_one("#cell").load_text(code)


def notifications(app: TutorApp) -> list[str]:
    return [n.message for n in app._notifications]


def run_sync(coro: Any) -> Any:
    return asyncio.run(coro)
