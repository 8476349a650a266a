"""Pictures in the app's output panel: Pilot tests (resize, theme, no colour) and snapshots.

The steps run in a real worker over tests/picture_lessons; each snapshot maximises the output
panel, so it shows the pictures and changes only when they (or the panel) do.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tutor.app import TutorApp
from tutor.app.widgets.output_panel import OutputPanel
from tutor.app.widgets.pictures import ChartView, GraphView, PictureView, RasterView, colour_mode
from tutor.lessons.loader import load_catalog

pytestmark = pytest.mark.timeout(240)

LESSONS = Path(__file__).parent / "picture_lessons"
PLOT, GRID, GRAPH, COLOUR = 0, 1, 2, 4
WAIT = 60.0  # a worker boot imports torch; the machine is shared


@pytest.fixture(autouse=True)
def truecolor(monkeypatch):
    """Beside conftest.py's private home: the app reads the colour system at start."""
    monkeypatch.setenv("COLORTERM", "truecolor")


def make_app() -> TutorApp:
    catalog = load_catalog([LESSONS], builtin=False, user=False, env=False)
    return TutorApp(
        catalog, lesson_id="pictures", stable=True, interpreter_options={"spare": False}
    )


async def wait_for(pilot: Pilot, condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


async def run_step(pilot: Pilot, index: int) -> None:
    """Go to step ``index`` and run it; the app runs the steps before it by itself if needed."""
    app = pilot.app
    await wait_for(pilot, lambda: app.interp_state == "ready", "the interpreter")
    screen = app.screen
    while screen.state.index < index:
        await pilot.press("ctrl+n")
    before = screen.finished_runs
    await pilot.press("f5")
    await wait_for(pilot, lambda: screen.finished_runs > before, "the cell to finish")
    assert screen.state.state.outcome.passed, screen.state.state.outcome.reason
    await pilot.pause(0.2)


def panel(app: TutorApp) -> OutputPanel:
    return app.screen.query_one(OutputPanel)


async def test_plot_is_a_chart_that_redraws_at_its_new_width():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await run_step(pilot, PLOT)
        view = panel(app).query_one(PictureView)
        assert view.has_class("picture-plot")
        chart = view.query_one(ChartView)
        wide = chart.size.width
        drawn = chart.render().plain.splitlines()
        assert max(len(line) for line in drawn) == wide
        assert "sigmoid" in drawn[2] and "tanh" in drawn[3]  # the legend
        await pilot.resize_terminal(90, 40)  # narrow: the panels stack, the output panel widens
        await pilot.pause(0.2)
        assert chart.size.width > wide
        assert max(len(line) for line in chart.render().plain.splitlines()) == chart.size.width
        # The chart's colours come from the app theme (textual-plotext's "auto" theme).
        dark = {str(span.style) for span in chart.render().spans}
        app.theme = "textual-light"
        await pilot.pause(0.2)
        assert {str(span.style) for span in chart.render().spans} != dark


async def test_image_grid_reflows_when_the_panel_widens():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await run_step(pilot, GRID)
        grid = panel(app).query_one(RasterView)
        lines = grid.lines(grid.size.width)
        assert len(lines) == 2 * (6 + 1)  # two bands of 12×12 images: 6 lines each, then labels
        assert any(cell.char == "▀" and cell.fg == (255, 255, 255) for cell in lines[1])
        await pilot.resize_terminal(90, 40)  # narrow: the panels stack, the output panel widens
        await pilot.pause(0.2)
        assert grid.size.height == 6 + 1  # all six images side by side now
        assert max(len(line) for line in grid.lines(grid.size.width)) <= grid.size.width


async def test_graph_is_a_drawn_tree_that_follows_the_theme():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await run_step(pilot, GRAPH)
        graph = panel(app).query_one(GraphView)

        def colour_of(word: str):
            for strip in graph.render_lines(graph.region.reset_offset)[:4]:
                for segment in strip:
                    if word in segment.text:
                        return segment.style.color
            raise AssertionError(f"{word} is not drawn")

        dark = colour_of("PowBackward0")
        app.theme = "textual-light"
        await pilot.pause(0.2)
        assert colour_of("PowBackward0") != dark


async def test_without_colour_images_use_a_character_ramp(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await run_step(pilot, GRID)
        grid = panel(app).query_one(RasterView)
        chars = {cell.char for line in grid.lines(grid.size.width) for cell in line}
        assert "▀" not in chars and "@" in chars
        assert all(cell.fg is None for line in grid.lines(grid.size.width) for cell in line)


async def test_sixteen_colour_terminals_get_grey_half_blocks(monkeypatch):
    monkeypatch.delenv("COLORTERM", raising=False)
    monkeypatch.setenv("TERM", "xterm")  # 16 colours: colour pictures are drawn in grey
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await run_step(pilot, COLOUR)
        stripes = panel(app).query_one(RasterView)
        assert colour_mode(stripes) == "grey"
        greys = {cell.fg for line in stripes.lines(stripes.size.width) for cell in line if cell.fg}
        assert greys == {(76, 76, 76), (150, 150, 150), (29, 29, 29)}  # R, G, B as luminance


async def test_colour_images_keep_their_colours_where_the_terminal_can():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await run_step(pilot, COLOUR)
        stripes = panel(app).query_one(RasterView)
        assert colour_mode(stripes) == "rgb"
        (line, _) = stripes.lines(stripes.size.width)
        assert [cell.fg for cell in line] == [(255, 0, 0)] * 2 + [(0, 255, 0)] * 2 + [
            (0, 0, 255)
        ] * 2


def _snapshot_step(index: int):
    async def run_before(pilot: Pilot) -> None:
        await run_step(pilot, index)
        out = panel(pilot.app)
        out.ALLOW_MAXIMIZE = (
            True  # the panel is not focusable until it scrolls; let it fill the screen
        )
        assert pilot.app.screen.maximize(out)
        out.scroll_home(animate=False)
        await pilot.pause(0.3)

    return run_before


def test_snapshot_plot(snap_compare):
    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=_snapshot_step(PLOT))


def test_snapshot_image_grid(snap_compare):
    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=_snapshot_step(GRID))


def test_snapshot_graph(snap_compare):
    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=_snapshot_step(GRAPH))
