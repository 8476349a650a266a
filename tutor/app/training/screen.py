"""Provides TrainingScreen: train the notes' FCN or CNN on MNIST in a worker process, watch it learn."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time

import msgspec
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    Footer,
    Input,
    Label,
    ProgressBar,
    Select,
    Static,
    TabbedContent,
    TabPane,
)
from textual.worker import Worker, WorkerState

from tutor.app.i18n import LocalizedBindings, lang_of, translated, ui
from tutor.app.training.digits import DigitGrid
from tutor.app.training.loss_plot import LossPlot
from tutor.app.training.messages import TrainingUpdated
from tutor.app.training.settings import SettingsBar, length_sentence
from tutor.app.training.stats import StatsPanel
from tutor.training.client import TrainingClient, WorkerError
from tutor.training.confusion import confusion_table, worst_confusions
from tutor.training.protocol import Done, Error
from tutor.training.state import RunState

# Training shares the cores with this UI. Measured with benchmarks/bench_training.py --latency
# (docs/performance.md): leaving one core to the UI and lowering the worker's priority keeps
# key-to-redraw latency well under 100 ms while training. Below that cap the worker's
# ThreadTuner picks the count, since other processes come and go.
UI_MAX_THREADS = max(1, (os.cpu_count() or 2) - 1)
UI_NICE = 10
# The worker reports 10 times a second; redrawing the plot at half that rate halves the UI's
# CPU use.
REDRAW_INTERVAL = 0.2
# From this width the eight settings fit in one row, each label beside a readable field
# (13 columns for the model, 14 for "processes" and its field); below it they take two rows.
ONE_ROW_WIDTH = 120


class TrainingScreen(LocalizedBindings, Screen):
    """s starts, p pauses/resumes, x stops, m switches CNN/FCN, v live/results, Esc goes back.

    Opening the screen never starts a run, whichever way it was opened (t, the palette, a lesson):
    only s or the Start button does. What it shows (numbers, plot, results) always belongs to the
    model chosen and the run started last: a new run or another model clears them.
    """

    CSS_PATH = "training.tcss"
    # Nothing focused at first: an Enter that opened the screen (or a second one) must not land on
    # the Start button. s, p, x, m and v work without focus; Tab reaches the settings.
    AUTO_FOCUS = ""
    BINDINGS = [
        Binding("s", "start", "Start", id="training.start"),
        Binding("p", "pause", "Pause/resume", id="training.pause"),
        Binding("x", "stop", "Stop", id="training.stop"),
        Binding("m", "model", "CNN/FCN", id="training.model"),
        Binding("v", "view", "Live/results", id="training.view"),
        Binding("pagedown", "page(1)", "Scroll down", id="training.page_down", show=False),
        Binding("pageup", "page(-1)", "Scroll up", id="training.page_up", show=False),
        Binding("escape", "back", "Back", id="training.back"),
    ]

    def __init__(
        self,
        *,
        data_dir: str | None = None,
        device: str | None = None,
        model: str = "cnn",
        threads: int | None = None,
        max_threads: int = UI_MAX_THREADS,
        nice: int = UI_NICE,
        own_model: tuple[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.device = device or "auto"
        self.nice = nice
        # A learner's class (label, "file.py:Class"), offered beside the CNN and the FCN and
        # chosen first.
        self._own_model = own_model
        self._model = own_model[1] if own_model else model
        self._threads = threads
        self.max_threads = max_threads
        self.state = RunState()
        self.client: TrainingClient | None = None
        self._booting: asyncio.Task | None = None
        self._ending: asyncio.Future | None = None  # the worker being killed as the app quits
        self._data = (
            "looking…",
            "",
        )  # the data plan's source and split; on_mount and describe_data set them
        self._train_size: int | None = (
            None  # images in the training set, once the data plan is read
        )
        self._results_shown = False
        self._last_redraw = 0.0
        self._redraw_timer = None

    @property
    def lang(self) -> str:
        return lang_of(self)

    def compose(self) -> ComposeResult:
        lang = self.lang
        yield Static(
            Text.assemble(
                (ui(lang, "MNIST training"), "bold"),
                "  ·  ",
                ui(lang, "the notes' FCN and CNN, live"),
            ),
            id="train-title",
        )
        yield SettingsBar(
            model=self._model, threads=self._threads, own_model=self._own_model, id="settings"
        )
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
            yield Label(ui(lang, "steps"), id="overall-label", classes="bar-label")
            yield ProgressBar(id="overall-bar", show_eta=False)
            yield Button(ui(lang, "▶ Start"), id="btn-start", compact=True, variant="success")
            yield Button(ui(lang, "⏸ Pause"), id="btn-pause", compact=True)
            yield Button(ui(lang, "■ Stop"), id="btn-stop", compact=True, variant="error")
        yield Footer()

    @property
    def stable(self) -> bool:
        return bool(getattr(self.app, "stable", False))

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width >= ONE_ROW_WIDTH, "-one-row")

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
        if self._ending is not None:
            await self._ending
        elif self.client is not None:
            await self.client.close(self._close_grace)

    def end_workers_now(self) -> None:
        """The app is quitting: kill the worker now, while the screens are taken down."""
        if self._ending is None and self.client is not None:
            self._ending = asyncio.ensure_future(self.client.close(0.0))

    @property
    def _close_grace(self) -> float:
        """Seconds the worker gets to quit by itself; none when the app quits: Ctrl+Q must not
        wait for torch to wind down, and a killed worker loses nothing (a checkpoint is written
        only when a run ends)."""
        return 0.0 if getattr(self.app, "quitting", False) else 2.0

    # --- the worker process ---------------------------------------------------------------------

    async def _boot(self) -> TrainingClient:
        if self.client is not None:  # a worker that died: reap it before starting another
            await self.client.close()
            self.client = None
        client = TrainingClient()
        try:
            await client.start()
        except BaseException:
            await client.close(self._close_grace)
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
            data: tuple[str | None, str, int | None] = (plan.source, plan.split, len(plan.train))
        except DataError as exc:
            data = (None, str(exc), None)
        self.app.call_from_thread(self._set_data, data)

    def _set_data(self, data: tuple[str | None, str, int | None]) -> None:
        source, split, self._train_size = data
        self._data = (ui(self.lang, "unusable") if source is None else source, split)
        self.query_one(SettingsBar).set_train_size(self._train_size)
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
            self.state.apply(Error(message=str(exc)))
            self.post_message(TrainingUpdated())

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The one place where an unexpected failure in this screen's workers becomes visible.
        if event.state == WorkerState.ERROR and event.worker.group.startswith("training"):
            self.state.apply(Error(message=repr(event.worker.error)))
            self.notify(
                ui(self.lang, "training failed: {error!r}", error=event.worker.error),
                severity="error",
                timeout=10,
            )
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
        s, p = self.state.start, self.state.progress
        if s:
            now = (p.threads if p else 0) or s.threads
            if now == 1:
                device = ui(lang, "{device} · {count} thread", device=s.device, count=now)
            else:
                device = ui(lang, "{device} · {count} threads", device=s.device, count=now)
            if s.threads_auto:
                device += ui(lang, " (auto, ≤{most})", most=s.threads)
            if s.processes > 1:  # a DDP run: the threads above are each process's
                device += ui(
                    lang,
                    " · {world} processes ({backend}), {per} images each per step",
                    world=s.world_size,
                    backend=s.backend,
                    per=s.per_process_batch,
                )
            data = (s.source, s.split)
            length: tuple[int, int] | None = (s.total_steps, s.batch_size)
            train = s.train
        else:
            ready = self.client.ready if self.client else None
            device = (
                f"torch {ready.torch} · {self.device}"
                if ready
                else ui(lang, "starting the worker…")
            )
            data = self._data
            length, train = self.query_one(SettingsBar).length(), self._train_size
        if self.stable:
            device = ui(lang, "(hidden)")
        info = Text.assemble(
            (ui(lang, "device "), "bold"),
            device,
            (ui(lang, "  data "), "bold"),
            data[0],
            "\n",
            data[1],
        )
        if length is not None and train:
            info.append_text(
                Text.assemble(
                    "\n",
                    (ui(lang, "length "), "bold"),
                    length_sentence(lang, length[0], length[1], train),
                )
            )
        if not s:
            info.append(ui(lang, "  (s starts a run)"), style="italic")
        self.query_one("#train-info", Static).update(info)

    def redraw(self) -> None:
        self._last_redraw = time.monotonic()
        if self._redraw_timer is not None:
            self._redraw_timer.stop()
            self._redraw_timer = None
        st = self.state
        self.query_one(LossPlot).show(list(st.losses), [(e.step, e.test_loss) for e in st.epochs])
        self.query_one(StatsPanel).show(st, stable=self.stable)
        p = st.progress
        epoch_bar, overall_bar = (
            self.query_one("#epoch-bar", ProgressBar),
            self.query_one("#overall-bar", ProgressBar),
        )
        if p:
            # Both bars count steps. The last epoch may be a part of one (steps need not be a
            # whole number of passes): its bar is as long as the steps it has, so a finished run
            # ends full.
            per_epoch = p.steps_per_epoch
            in_epoch = min(per_epoch, p.total_steps - (p.epoch - 1) * per_epoch)
            epoch_bar.update(total=in_epoch, progress=p.epoch_step)
            overall_bar.update(total=p.total_steps, progress=p.step)
            self.query_one("#epoch-label", Label).update(
                ui(self.lang, "epoch {epoch}/{epochs}", epoch=p.epoch, epochs=p.epochs)
            )
            self.query_one("#overall-label", Label).update(
                ui(self.lang, "step {step:,}/{total:,}", step=p.step, total=p.total_steps)
            )
        elif st.status in ("idle", "starting"):
            # A known total (not None): an indeterminate bar animates, and costs CPU, forever.
            epoch_bar.update(total=1, progress=0)
            overall_bar.update(total=1, progress=0)
            self.query_one("#epoch-label", Label).update(ui(self.lang, "epoch"))
            self.query_one("#overall-label", Label).update(ui(self.lang, "steps"))
        self.query_one(SettingsBar).disabled = st.status in ("starting", "running", "paused")
        self.query_one("#btn-pause", Button).label = (
            ui(self.lang, "▶ Resume") if st.status == "paused" else ui(self.lang, "⏸ Pause")
        )
        self._show_info()
        if st.status == "done" and st.result and not self._results_shown:
            self._show_results(st.result)

    def _show_results(self, result: Done) -> None:
        self._results_shown = True
        lang = self.lang
        worst = worst_confusions(result.confusion)
        saved = ", ".join(result.saved) or ui(lang, "not saved")
        summary = Text.assemble(
            (ui(lang, "test accuracy "), "bold"),
            (f"{result.test_acc:.2%}", "bold green"),
            ui(
                lang,
                " ({correct:,}/{total:,}) · most confused: {worst}",
                correct=result.test_correct,
                total=result.test_total,
                worst=ui(lang, "none") if worst == "none" else worst,
            )
            + "\n",
            (f"state_dict: {saved}", "dim"),
        )
        table = confusion_table(result.confusion)
        if translated(lang):
            # The table comes from tutor.training (shared with the CLI, which stays English).
            table.title = ui(lang, str(table.title), required=False)
            table.columns[-1].header = ui(lang, str(table.columns[-1].header), required=False)
        from rich.console import Group

        self.query_one("#confusion", Static).update(Group(summary, table))
        self.query_one(DigitGrid).show(msgspec.structs.asdict(result.digits))
        self.query_one(TabbedContent).active = "tab-results"

    def _clear(self) -> None:
        """Forget the last run: its numbers, plot and results belong to it, not to the next."""
        self.state = RunState()
        self._results_shown = False
        self.query_one("#confusion", Static).update(
            ui(self.lang, "Results appear here when a run finishes.")
        )
        self.query_one(DigitGrid).show({})
        self.query_one("#results", VerticalScroll).scroll_home(animate=False)

    # --- actions ------------------------------------------------------------------------------

    def action_start(self) -> None:
        if self.state.status in ("starting", "running", "paused"):
            self.notify(
                ui(self.lang, "Training is already running: x stops it."), severity="warning"
            )
            return
        try:
            config = self.query_one(SettingsBar).config(
                data_dir=self.data_dir,
                device=self.device,
                nice=self.nice,
                max_threads=self.max_threads,
            )
        except (ValueError, TypeError) as exc:
            self.notify(str(exc), title=ui(self.lang, "Settings"), severity="error")
            return
        self._clear()
        self.state.status = "starting"
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
        if self.state.status in ("starting", "running", "paused"):
            self.notify(
                ui(self.lang, "Training is running: x stops it, then m switches the model."),
                severity="warning",
            )
            return
        model = self.query_one(SettingsBar).toggle_model()
        self.notify(ui(self.lang, "model: {model} (s starts)", model=model), timeout=2)

    @on(Select.Changed, "#set-model")
    def _model_changed(self) -> None:
        # The settings are disabled while a run goes on, so this is always between runs.
        self._clear()
        self.redraw()

    def action_view(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = "tab-results" if tabs.active == "tab-live" else "tab-live"

    def action_page(self, direction: int) -> None:
        """PgDn/PgUp scroll the tab shown (the results and their digits; the live numbers)."""
        live = self.query_one(TabbedContent).active == "tab-live"
        target = self.query_one(StatsPanel) if live else self.query_one("#results", VerticalScroll)
        if direction > 0:
            target.scroll_page_down(animate=False)
        else:
            target.scroll_page_up(animate=False)

    def action_back(self) -> None:
        self.app.pop_screen()

    @on(Input.Changed, "#settings Input")
    def _settings_changed(self) -> None:
        if not self.state.start:
            self._show_info()  # the length sentence follows the settings until a run starts

    @on(Button.Pressed, "#btn-start")
    def _start_pressed(self) -> None:
        self.action_start()

    @on(Button.Pressed, "#btn-pause")
    async def _pause_pressed(self) -> None:
        await self.action_pause()

    @on(Button.Pressed, "#btn-stop")
    async def _stop_pressed(self) -> None:
        await self.action_stop()
