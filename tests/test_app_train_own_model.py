"""Tests training the model a learner wrote in a lesson: from the lesson screen to a finished run on the training screen."""

from __future__ import annotations

from app_support import make_app, notifications, wait_for
from rich.console import Console
from textual.widgets import Input, Select

from tutor.app import TutorApp
from tutor.app.training import TrainingScreen
from tutor.app.training.stats import StatsPanel
from tutor.lessons.loader import load_catalog


def _app() -> TutorApp:
    # The built-in CNN lesson: its cells define the notes' Net (with x.view(batch_size, -1)).
    catalog = load_catalog([], builtin=True, user=False, env=False)
    return make_app(catalog, lesson_id="cnn", fake=True)


def _net_step(app: TutorApp) -> int:
    return next(
        i for i, step in enumerate(app.screen.lesson.steps) if "class Net(" in (step.code or "")
    )


async def test_the_lessons_net_opens_on_the_training_screen_and_trains(tmp_path):
    home = tmp_path  # TORCH_TUTOR_HOME (the autouse tutor_home fixture in conftest.py)
    app = _app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: hasattr(app.screen, "lesson"), "the lesson screen")
        await app.screen.action_goto(_net_step(app))
        await app.screen.run_action("train_own_model")
        await wait_for(pilot, lambda: isinstance(app.screen, TrainingScreen), "the training screen")
        screen = app.screen
        await wait_for(
            pilot, lambda: screen.query("#set-model") and screen.query("#loss-plot"), "its widgets"
        )
        select = screen.query_one("#set-model", Select)
        model_file = home / "data" / "models" / "cnn.py"
        assert select.value == f"{model_file}:Net"
        assert "class Net(torch.nn.Module):" in model_file.read_text()
        assert (
            "print(" not in model_file.read_text()
        )  # the cell's shape printout is not in the file
        screen.query_one("#set-steps", Input).value = "30"
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.state.finished, "the run to finish", timeout=90)
        assert screen.state.status == "done", screen.state.error
        assert screen.state.result.model == f"{model_file}:Net"
        assert (home / "data" / "checkpoints" / "cnn-Net.pt").is_file()
        console = Console(width=200, color_system=None, record=True)
        console.print(screen.query_one(StatsPanel).content)
        assert "Net (cnn.py) · 8,490 params" in console.export_text()
        await pilot.press("m")  # the learner's class, then the notes' CNN and FCN in turn
        assert select.value == "cnn"


async def test_before_any_class_is_written_it_says_so_and_stays():
    app = _app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: hasattr(app.screen, "lesson"), "the lesson screen")
        await app.screen.run_action("train_own_model")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, TrainingScreen)
        assert any("No nn.Module class is defined" in text for text in notifications(app))
