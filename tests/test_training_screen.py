"""Tests the training screen with Pilot and a real worker: start, metrics, pause, stop, results.

Also: its units and labels, no run on opening, and no torch in the UI process.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from app_support import wait_for
from textual.app import App
from textual.widgets import Input, Label, ProgressBar, Select, Static, TabbedContent

from tutor.app.training import TrainingScreen
from tutor.app.training.digits import caption, digit_grid, half_blocks, shade_blocks
from tutor.app.training.settings import SettingsBar
from tutor.app.training.stats import StatsPanel
from tutor.training.confusion import confusion_table


class Host(App):
    def __init__(self, **screen_options) -> None:
        super().__init__()
        self.screen_options = screen_options

    def on_mount(self) -> None:
        self.push_screen(TrainingScreen(**self.screen_options))


def _text(widget) -> str:
    from rich.console import Console

    console = Console(width=200, color_system=None, record=True)
    console.print(widget.content)
    return console.export_text()


async def test_start_see_metrics_update_pause_and_stop():
    app = Host()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = app.screen
        screen.query_one("#set-steps", Input).value = "1000000"
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.state.step > 0, "the first step")
        first = screen.state.step
        await wait_for(pilot, lambda: screen.state.step > first, "more steps")
        stats = _text(screen.query_one(StatsPanel))
        assert "running" in stats and "samples/s" in stats and "/ 1,000,000" in stats
        assert screen.query_one("#overall-bar", ProgressBar).total == 1_000_000
        assert "bundled sample hold-out (500)" in _text(screen.query_one("#train-info", Static))
        await pilot.press("p")
        await wait_for(pilot, lambda: screen.state.status == "paused", "the pause")
        await pilot.press("p")
        await wait_for(pilot, lambda: screen.state.status == "running", "the resume")
        await pilot.press("x")
        await wait_for(pilot, lambda: screen.state.status == "stopped", "the stop")
        assert "stopped" in _text(screen.query_one(StatsPanel))
        assert screen.state.result is None


async def test_a_finished_run_shows_confusion_matrix_and_digits():
    app = Host(model="fcn")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        screen.query_one("#set-steps", Input).value = "60"
        await pilot.press("m")  # FCN → CNN
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.state.finished, "the run to finish", timeout=90)
        assert screen.state.status == "done", screen.state.error
        assert screen.state.start.model == "cnn" and len(screen.state.losses) == 60
        await pilot.pause(0.2)
        assert screen.query_one(TabbedContent).active == "tab-results"
        results = _text(screen.query_one("#confusion", Static))
        assert (
            "confusion matrix (row: true, column: predicted)" in results
            and "test accuracy" in results
        )
        assert "test digits" in _text(screen.query_one("#digits", Static))
        await pilot.press("v")
        assert screen.query_one(TabbedContent).active == "tab-live"


def _bar_label(screen, name: str) -> str:
    return str(screen.query_one(f"#{name}-label", Label).content)


async def test_a_finished_run_counts_steps_and_its_results_belong_to_it():
    """Steps are the one unit: both bars end full, the length is said in passes too. The results
    scroll with PgDn; another model or a new run clears them (even a run that is then stopped)."""
    app = Host(model="fcn")
    async with app.run_test(size=(100, 32)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.query_one(SettingsBar).train_size, "the data plan")
        screen.query_one("#set-steps", Input).value = "100"
        await pilot.pause(0.1)
        info = _text(screen.query_one("#train-info", Static))
        train = screen.query_one(SettingsBar).train_size
        passes = f"{100 / -(-train // 64):.1f}"
        assert (
            f"100 steps of 64 images = {passes} passes over the {train:,}-image training set"
            in info
        )
        assert screen.query_one("#set-epochs", Input).placeholder == passes  # not blank
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.state.finished, "the run to finish", timeout=90)
        assert screen.state.status == "done", screen.state.error
        await pilot.pause(0.3)
        epochs = screen.state.start.epochs
        assert 100 % screen.state.start.steps_per_epoch  # the last epoch is a part of one
        for bar in ("#epoch-bar", "#overall-bar"):
            assert screen.query_one(bar, ProgressBar).percentage == 1.0, bar
        assert _bar_label(screen, "epoch") == f"epoch {epochs}/{epochs}"
        assert _bar_label(screen, "overall") == "step 100/100"
        assert f"100 / 100 · epoch {epochs}/{epochs}" in _text(screen.query_one(StatsPanel))

        results = screen.query_one("#results")
        assert screen.query_one(TabbedContent).active == "tab-results" and results.max_scroll_y > 0
        await pilot.press("pagedown")
        assert results.scroll_y > 0
        await pilot.press("pageup")
        assert results.scroll_y == 0

        await pilot.press("m")  # FCN → CNN: the FCN's numbers and results go
        await pilot.pause(0.2)
        assert screen.state.status == "idle" and not screen.state.epochs
        assert "test acc" not in _text(screen.query_one(StatsPanel))
        assert "Results appear here" in _text(screen.query_one("#confusion", Static))
        assert "no test digits yet" in _text(screen.query_one("#digits", Static))

        await pilot.press(
            "m"
        )  # back to the FCN, run again and stop: nothing of the first run shows
        screen.query_one("#set-steps", Input).value = "1000000"
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.state.step > 0, "the first step")
        assert screen.query_one(SettingsBar).disabled  # the settings shown are the run's
        await pilot.press("m")
        assert str(screen.query_one("#set-model", Select).value) == "fcn"
        await pilot.press("x")
        await wait_for(pilot, lambda: screen.state.status == "stopped", "the stop")
        await pilot.press("v")
        assert screen.query_one(TabbedContent).active == "tab-results"
        assert "Results appear here" in _text(screen.query_one("#confusion", Static))
        assert "state_dict" not in _text(screen.query_one("#confusion", Static))


async def test_opening_the_screen_never_starts_a_run():
    """An Enter right after opening (the palette's, or a second one) does nothing."""
    app = Host()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = app.screen
        await pilot.press("enter", "enter", "space")
        await pilot.pause(0.5)
        assert screen.state.status == "idle" and app.focused is None
        assert "s starts a run" in _text(screen.query_one("#train-info", Static))


@pytest.mark.parametrize("size", [(80, 24), (100, 32), (120, 40)])
async def test_every_setting_is_on_screen_and_readable(size):
    app = Host()
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.2)
        bar = app.screen.query_one(SettingsBar)
        fields = list(bar.query("Input, Select"))
        assert len(fields) == len(bar.query(".setting-label")) >= 8
        for field in fields:
            region = field.region
            assert region.width >= 4 and bar.region.contains_region(region), (field.id, region)


def test_settings_are_labelled_in_words():
    from tutor.app.training.settings import FIELDS

    assert [label for _key, label, *_ in FIELDS] == [
        "steps",
        "epochs",
        "batch",
        "lr",
        "momentum",
        "threads",
        "processes",
    ]


async def test_bad_settings_are_a_message_not_a_crash():
    app = Host()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = app.screen
        screen.query_one("#set-momentum", Input).value = "3"
        await pilot.press("s")
        await pilot.pause(0.2)
        assert screen.state.status == "idle"
        assert any("momentum must be in [0, 1)" in n.message for n in app._notifications)


def _training_workers() -> list[int]:
    """This test process's live training-worker children (read from /proc)."""
    import os
    from pathlib import Path

    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmd = (proc / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and b"tutor.training.worker" in cmd:
            found.append(int(proc.name))
    return found


async def test_leaving_while_the_worker_boots_leaves_no_worker_behind():
    app = Host()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause(0.05)  # the worker is still importing torch
        await pilot.press("escape")
        await pilot.pause(0.5)
        assert not isinstance(app.screen, TrainingScreen)
        assert _training_workers() == []


def test_half_blocks_put_two_pixel_rows_in_one_line():
    text = half_blocks([[0, 255], [128, 64]])
    assert text.plain == "▀▀"
    styles = [str(span.style) for span in text.spans]
    assert styles == ["rgb(0,0,0) on rgb(128,128,128)", "rgb(255,255,255) on rgb(64,64,64)"]
    wrong = half_blocks([[255], [0]], wrong=True)
    assert str(wrong.spans[0].style) == "rgb(255,63,63) on rgb(0,0,0)"  # mistakes are tinted red
    assert shade_blocks([[0, 255], [0, 255]]).plain == " █"
    assert caption(7, 7).plain == "✓ 7" and caption(7, 2).plain == "✗ 2 (is 7)"


def test_digit_grid_and_confusion_table_render_as_text():
    from rich.console import Console

    digit = [[255 if 10 <= c <= 17 else 0 for c in range(28)] for _ in range(28)]
    grid = digit_grid({"images": [digit] * 3, "true": [1, 1, 7], "pred": [1, 1, 1]}, 80)
    console = Console(width=80, color_system=None, record=True)
    console.print(grid)
    console.print(
        confusion_table(
            [
                [9 if t == p else (1 if (t, p) == (7, 1) else 0) for p in range(10)]
                for t in range(10)
            ]
        )
    )
    out = console.export_text()
    assert "3 test digits, 1 misread" in out and "✗ 1 (is 7)" in out
    row7 = next(
        line.split() for line in out.splitlines() if line.split()[:1] == ["7"] and "90%" in line
    )
    assert row7 == ["7", "·", "1", "·", "·", "·", "·", "·", "9", "·", "·", "90%"]


def test_the_training_screen_never_imports_torch():
    code = (
        "import sys, tutor.app.training, tutor.training.client, tutor.training.sources, "
        "tutor.cli.train, tutor.cli.data\n"
        "bad = sorted(m for m in sys.modules if m == 'torch' or m.startswith(('torch.', 'torchvision')))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
