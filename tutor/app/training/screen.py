"""Provides TrainingScreen: train the notes' FCN or CNN on MNIST in a worker process and watch it learn."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Label, ProgressBar, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from tutor.app.i18n import LocalizedBindings, lang_of, translated, ui
from tutor.app.training.digits import DigitGrid
from tutor.app.training.loss_plot import LossPlot
from tutor.app.training.messages import TrainingUpdated
from tutor.app.training.settings import SettingsBar
from tutor.app.training.stats import StatsPanel
from tutor.training.client import TrainingClient, WorkerError
from tutor.training.confusion import confusion_table, worst_confusions
from tutor.training.state import RunState

# Training shares the cores with this UI. Measured with benchmarks/bench_training.py --latency
# (docs/performance.md): leaving one core to the UI and lowering the worker's priority keeps
# key-to-redraw latency well under 100 ms while training. Below that cap the worker's
# ThreadTuner picks the count, since other processes come and go.
UI_MAX_THREADS = max(1, (os.cpu_count() or 2) - 1)
UI_NICE = 10
# The worker reports 10 times a second; redrawing the plot at half that rate halves the UI's CPU use.
REDRAW_INTERVAL = 0.2


class TrainingScreen(LocalizedBindings, Screen):
    """s starts, p pauses or resumes, x stops, m switches CNN/FCN, v switches live/results, Esc goes back."""

    CSS_PATH = "training.tcss"
    AUTO_FOCUS = "#btn-start"
    BINDINGS = [
        Binding("s", "start", "Start", id="training.start"),
        Binding("p", "pause", "Pause/resume", id="training.pause"),
        Binding("x", "stop", "Stop", id="training.stop"),
        Binding("m", "model", "CNN/FCN", id="training.model"),
        Binding("v", "view", "Live/results", id="training.view"),
        Binding("escape", "back", "Back", id="training.back"),
    ]

    def __init__(
        self, *, data_dir: str | None = None, device: str | None = None, model: str = "cnn",
        threads: int | None = None, max_threads: int = UI_MAX_THREADS, nice: int = UI_NICE,
        own_model: tuple[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.device = device or "auto"
        self.nice = nice
        # A learner's class (label, "file.py:Class"), offered beside the CNN and the FCN and chosen first.
        self._own_model = own_model
        self._model = own_model[1] if own_model else model
        self._threads = threads
        self.max_threads = max_threads
        self.state = RunState()
        self.client: TrainingClient | None = None
        self._booting: asyncio.Task | None = None
        self._data = ("looking…", "")  # the data plan's source and split; on_mount and describe_data set them
        self._results_shown = False
        self._last_redraw = 0.0
        self._redraw_timer = None

    @property
    def lang(self) -> str:
        return lang_of(self)

    def compose(self) -> ComposeResult:
        lang = self.lang
        yield Static(Text.assemble((ui(lang, "MNIST training"), "bold"), "  ·  ",
                                   ui(lang, "the notes' FCN and CNN, live")), id="train-title")
        yield SettingsBar(model=self._model, threads=self._threads, own_model=self._own_model, id="settings")
        yield Static(id="train-info")
        with TabbedContent(id="train-tabs", initial="tab-live"):
            with TabPane(ui(lang, "Live"), id="tab-live"), Horizontal(id="live-row"):
                yield LossPlot(id="loss-plot")
                yield StatsPanel(id="stats")
            with TabPane(ui(lang, "Results"), id="tab-results"), VerticalScroll(id="results"):
                yield Static(ui(lang, "Results appear here when a run finishes."), id="confusion")
                yield DigitGrid(id="digits")
        with Horizontal(classes="bar-row"):
            yield Label(ui(lang, "epoch"), id="epoch-label", classes="bar-label")
            yield ProgressBar(id="epoch-bar", show_eta=False)
        with Horizontal(classes="bar-row"):
            yield Label(ui(lang, "overall"), classes="bar-label")
            yield ProgressBar(id="overall-bar", show_eta=False)
            yield Button(ui(lang, "▶ Start"), id="btn-start", compact=True, variant="success")
            yield Button(ui(lang, "⏸ Pause"), id="btn-pause", compact=True)
            yield Button(ui(lang, "■ Stop"), id="btn-stop", compact=True, variant="error")
        yield Footer()

    @property
    def stable(self) -> bool:
        return bool(getattr(self.app, "stable", False))

    def on_mount(self) -> None:
        self._data = (ui(self.lang, "looking…"), "")
        self._boot_in_background()
        self.describe_data()
        self.redraw()

    async def on_unmount(self) -> None:
        # A worker still booting must not outlive the screen.
        if self._booting is not None and not self._booting.done():
            self._booting.cancel()
            with contextlib.suppress(BaseException):
                await self._booting
        if self.client is not None:
            await self.client.close()

    # --- the worker process ---------------------------------------------------------------------

    async def _boot(self) -> TrainingClient:
        if self.client is not None:  # a worker that died: reap it before starting another
            await self.client.close()
            self.client = None
        client = TrainingClient()
        try:
            await client.start()
        except BaseException:
            await client.close()
            raise
        self.client = client
        self._show_info()
        return client

    def _boot_in_background(self) -> None:
        self._booting = asyncio.create_task(self._boot())
        # A failed boot is reported when training starts; don't let asyncio log it as unretrieved.
        self._booting.add_done_callback(lambda task: task.cancelled() or task.exception())

    async def _ready_client(self) -> TrainingClient:
        if self.client is not None and self.client.running:
            return self.client
        if self._booting is None or self._booting.done():
            self._boot_in_background()  # first use, a failed boot, or the last worker died
        return await self._booting

    @work(thread=True, group="training-data", exit_on_error=False)
    def describe_data(self) -> None:
        # numpy only: the UI process never imports torch.
        from tutor.training.sources import DataError, load_plan

        try:
            plan = load_plan(self.data_dir)
            data: tuple[str | None, str] = (plan.source, plan.split)
        except DataError as exc:
            data = (None, str(exc))
        self.app.call_from_thread(self._set_data, data)

    def _set_data(self, data: tuple[str | None, str]) -> None:
        source, split = data
        self._data = (ui(self.lang, "unusable") if source is None else source, split)
        self._show_info()

    @work(group="training", exclusive=True, exit_on_error=False)
    async def run_training(self, config) -> None:
        try:
            client = await self._ready_client()
            await client.train(config)
            async for event in client.events():
                self.state.apply(event)
                self.post_message(TrainingUpdated())
        except WorkerError as exc:
            self.state.apply({"event": "error", "message": str(exc)})
            self.post_message(TrainingUpdated())

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The one place where an unexpected failure in this screen's workers becomes visible.
        if event.state == WorkerState.ERROR and event.worker.group.startswith("training"):
            self.state.apply({"event": "error", "message": repr(event.worker.error)})
            self.notify(ui(self.lang, "training failed: {error!r}", error=event.worker.error), severity="error",
                        timeout=10)
            self.redraw()

    # --- drawing ----------------------------------------------------------------------------

    def on_training_updated(self, _message: TrainingUpdated) -> None:
        wait = REDRAW_INTERVAL - (time.monotonic() - self._last_redraw)
        if wait <= 0 or self.state.finished:
            self.redraw()
        elif self._redraw_timer is None:
            self._redraw_timer = self.set_timer(wait, self.redraw)

    def _show_info(self) -> None:
        lang = self.lang
        s = self.state.start
        if s:
            now = self.state.progress.get("threads") or s["threads"]
            if now == 1:
                device = ui(lang, "{device} · {count} thread", device=s["device"], count=now)
            else:
                device = ui(lang, "{device} · {count} threads", device=s["device"], count=now)
            if s.get("threads_auto"):
                device += ui(lang, " (auto, ≤{most})", most=s["threads"])
            data = (s["source"], s["split"])
        else:
            ready = self.client.ready if self.client else None
            device = f"torch {ready['torch']} · {self.device}" if ready else ui(lang, "starting the worker…")
            data = self._data
        if self.stable:
            device = ui(lang, "(hidden)")
        self.query_one("#train-info", Static).update(Text.assemble(
            (ui(lang, "device "), "bold"), device, (ui(lang, "  data "), "bold"), data[0], "\n", data[1]))

    def redraw(self) -> None:
        self._last_redraw = time.monotonic()
        if self._redraw_timer is not None:
            self._redraw_timer.stop()
            self._redraw_timer = None
        st = self.state
        self.query_one(LossPlot).show(list(st.losses), [(e["step"], e["test_loss"]) for e in st.epochs])
        self.query_one(StatsPanel).show(st, stable=self.stable)
        p = st.progress
        epoch_bar, overall_bar = self.query_one("#epoch-bar", ProgressBar), self.query_one("#overall-bar", ProgressBar)
        if p:
            epoch_bar.update(total=p["steps_per_epoch"], progress=p["epoch_step"])
            overall_bar.update(total=p["total_steps"], progress=p["step"])
            self.query_one("#epoch-label", Label).update(
                ui(self.lang, "epoch {epoch}/{epochs}", epoch=p["epoch"], epochs=p["epochs"]))
        elif st.status in ("idle", "starting"):
            # A known total (not None): an indeterminate bar animates, and costs CPU, forever.
            epoch_bar.update(total=1, progress=0)
            overall_bar.update(total=1, progress=0)
        self.query_one("#btn-pause", Button).label = (
            ui(self.lang, "▶ Resume") if st.status == "paused" else ui(self.lang, "⏸ Pause"))
        self._show_info()
        if st.status == "done" and st.result and not self._results_shown:
            self._show_results(st.result)

    def _show_results(self, result: dict) -> None:
        self._results_shown = True
        lang = self.lang
        worst = worst_confusions(result["confusion"])
        saved = ", ".join(result.get("saved", [])) or ui(lang, "not saved")
        summary = Text.assemble(
            (ui(lang, "test accuracy "), "bold"), (f"{result['test_acc']:.2%}", "bold green"),
            ui(lang, " ({correct:,}/{total:,}) · most confused: {worst}", correct=result["test_correct"],
               total=result["test_total"], worst=ui(lang, "none") if worst == "none" else worst) + "\n",
            (f"state_dict: {saved}", "dim"),
        )
        table = confusion_table(result["confusion"])
        if translated(lang):
            # The table comes from tutor.training (shared with the CLI, which stays English).
            table.title = ui(lang, str(table.title), required=False)
            table.columns[-1].header = ui(lang, str(table.columns[-1].header), required=False)
        from rich.console import Group

        self.query_one("#confusion", Static).update(Group(summary, table))
        self.query_one(DigitGrid).show(result.get("digits", {}))
        self.query_one(TabbedContent).active = "tab-results"

    # --- actions ------------------------------------------------------------------------------

    def action_start(self) -> None:
        if self.state.status in ("starting", "running", "paused"):
            self.notify(ui(self.lang, "Training is already running: x stops it."), severity="warning")
            return
        try:
            config = self.query_one(SettingsBar).config(
                data_dir=self.data_dir, device=self.device, nice=self.nice, max_threads=self.max_threads,
            )
        except (ValueError, TypeError) as exc:
            self.notify(str(exc), title=ui(self.lang, "Settings"), severity="error")
            return
        self.state = RunState(status="starting")
        self._results_shown = False
        self.query_one(TabbedContent).active = "tab-live"
        self.redraw()
        self.run_training(config)

    async def action_pause(self) -> None:
        if self.client is None or not self.client.running:
            return
        if self.state.status == "running":
            await self.client.pause()
        elif self.state.status == "paused":
            await self.client.resume()

    async def action_stop(self) -> None:
        if self.client is not None and self.client.running and not self.state.finished:
            await self.client.stop()

    def action_model(self) -> None:
        model = self.query_one(SettingsBar).toggle_model()
        self.notify(ui(self.lang, "model: {model} (s starts)", model=model), timeout=2)

    def action_view(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = "tab-results" if tabs.active == "tab-live" else "tab-live"

    def action_back(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#btn-start")
    def _start_pressed(self) -> None:
        self.action_start()

    @on(Button.Pressed, "#btn-pause")
    async def _pause_pressed(self) -> None:
        await self.action_pause()

    @on(Button.Pressed, "#btn-stop")
    async def _stop_pressed(self) -> None:
        await self.action_stop()
