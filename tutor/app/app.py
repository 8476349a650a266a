"""Provides TutorApp, the Textual app, and launch(), the entry point the CLI calls."""

from __future__ import annotations

import asyncio
import atexit
import os
import sys
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.reactive import reactive
from textual.theme import ThemeProvider

from tutor import exit_signals
from tutor.app import cjk_wrap
from tutor.app.commands import TutorCommands
from tutor.app.i18n import translated, ui
from tutor.app.lesson_state import LessonState
from tutor.app.next_step import next_step
from tutor.app.palette import LocalPalette
from tutor.app.runtime import InterpreterHost
from tutor.app.screens.home import HomeScreen
from tutor.lessons.loader import Catalog, load_catalog
from tutor.progress import ProgressStore

if TYPE_CHECKING:
    from textual.screen import Screen

    from tutor.interpreter.results import DeviceInfo


class TutorApp(App[int]):
    """The lesson browser and the step-through lesson screen over one sandboxed interpreter."""

    CSS_PATH = "tutor.tcss"
    TITLE = "torch-tutor"
    COMMANDS = App.COMMANDS | {TutorCommands}
    # Below 100 columns or 30 rows the lesson panels stack in one scrolling column.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]

    BINDINGS = [
        Binding("f1", "help", "Help", id="help"),
        Binding("f10", "toggle_theme", "Light/dark", id="theme", show=False),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
    ]

    interp_state: reactive[str] = reactive("starting")
    """starting / ready / busy / restarting / stopped / failed, mirrored from the interpreter."""
    device_label: reactive[str] = reactive("")
    torch_version: reactive[str] = reactive("")

    def __init__(
        self,
        catalog: Catalog | None = None,
        *,
        lesson_id: str | None = None,
        lang: str = "en",
        extra_dirs: Iterable[Path | str] = (),
        device: str | None = None,
        progress: ProgressStore | None = None,
        interpreter_options: dict[str, Any] | None = None,
        stable: bool = False,
        interpreter: Any = None,
    ) -> None:
        """``stable`` hides timings and machine details so snapshots are the same everywhere.

        ``interpreter``: an object with the Interpreter's API to use instead of a new one (tests
        that only navigate pass a small fake, so they boot no torch worker).
        """
        super().__init__()
        cjk_wrap.install()  # Chinese lesson text breaks between characters, not only at spaces
        self.catalog = catalog if catalog is not None else load_catalog(list(extra_dirs))
        self.start_lesson = lesson_id
        self.lang = lang
        self.stable = stable
        self.progress = progress if progress is not None else ProgressStore.load()
        self.host = InterpreterHost(device=device, options=interpreter_options)
        if interpreter is not None:
            self.host.interp = interpreter
        self.quitting = False  # set by Ctrl+Q: screens then end their workers without waiting
        self._stopping: asyncio.Future[None] | None = None
        self.sessions: dict[str, LessonState] = {}

    def get_default_screen(self) -> HomeScreen:
        return HomeScreen()

    def on_mount(self) -> None:
        # SIGHUP (a closed terminal), SIGTERM, SIGINT: workers die at once, then a normal quit
        # (tutor.exit_signals; launch() installs the handler before anything starts).
        exit_signals.attach(self, asyncio.get_running_loop())
        for warning in self.progress.warnings:
            self.notify(warning, title=ui(self.lang, "Progress"), severity="warning", timeout=12)
        # First thing: the worker boots (imports torch) in its own process while the UI draws;
        # the client talks to it from its own thread, so the first frame does not wait for it.
        self.start_interpreter()
        if self.start_lesson:
            self.open_lesson(self.start_lesson)
        self.set_interval(0.2, self.sync_interp_state)

    async def on_unmount(self) -> None:
        await (self._stopping or self.host.shutdown())
        exit_signals.detach(self)

    # --- interpreter --------------------------------------------------------------------------

    def sync_interp_state(self) -> None:
        self.interp_state = self.host.state

    def _show_device(self, info: DeviceInfo) -> None:
        self.device_label = info.label
        self.torch_version = info.torch_version
        if info.note:
            self.notify(info.note, title=ui(self.lang, "Device"), severity="warning", timeout=10)

    async def _boot(
        self, state: str, failed: str, boot: Callable[[], Awaitable[DeviceInfo]]
    ) -> bool:
        """Start or restart the worker, showing ``state`` meanwhile; False (said with ``failed``) if it failed."""
        self.interp_state = state
        try:
            self._show_device(await boot())
        except Exception:
            self.notify(
                failed.format(error=self.host.error),
                title=ui(self.lang, "Interpreter"),
                severity="error",
                timeout=15,
            )
            return False
        finally:
            self.sync_interp_state()
        return True

    @work(group="interpreter", exclusive=True, exit_on_error=False)
    async def start_interpreter(self) -> None:
        await self._boot(
            "starting", ui(self.lang, "The interpreter could not start: {error}"), self.host.start
        )

    @work(group="interpreter", exclusive=True, exit_on_error=False)
    async def restart_interpreter(self) -> None:
        if await self._boot(
            "restarting",
            ui(self.lang, "The interpreter could not restart: {error}"),
            self.host.restart,
        ):
            self.notify(
                ui(
                    self.lang,
                    "Interpreter restarted: every variable is gone. "
                    "F9 runs this lesson's steps up to here again.",
                ),
                title=ui(self.lang, "Interpreter"),
            )

    # --- lessons ------------------------------------------------------------------------------

    def session(self, lesson_id: str) -> LessonState | None:
        """The learner's state in a lesson, kept while the app runs (edited cells, hints shown)."""
        if lesson_id not in self.sessions:
            loaded = self.catalog.get(lesson_id)
            if loaded is None:
                return None
            self.sessions[lesson_id] = LessonState(loaded, index=self.progress.position(lesson_id))
        return self.sessions[lesson_id]

    def open_lesson(self, lesson_id: str, step: int | None = None) -> None:
        from tutor.app.screens.lesson import LessonScreen

        state = self.session(lesson_id)
        if state is None:
            self.notify(
                ui(self.lang, "No lesson with id '{lesson_id}'.", lesson_id=lesson_id),
                severity="error",
            )
            return
        if step is not None:
            state.go(step)
        while isinstance(self.screen, LessonScreen) or self.screen.is_modal:
            self.pop_screen()
        self.push_screen(LessonScreen(state))

    def continue_learning(self) -> None:
        """The next unfinished step, or the next lesson once this one is finished (next_step)."""
        place = next_step(self.catalog, self.progress)
        if place is None:
            self.notify(ui(self.lang, "There are no lessons to open."), severity="warning")
        else:
            self.open_lesson(place.loaded.lesson.id, place.step)

    def save_progress(self) -> None:
        if not self.progress.save():
            self.notify(
                self.progress.warnings[-1],
                title=ui(self.lang, "Progress"),
                severity="error",
                timeout=12,
            )

    # --- actions ------------------------------------------------------------------------------

    def action_help(self) -> None:
        from tutor.app.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(
                LocalPalette(
                    id="--command-palette", placeholder=ui(self.lang, "Search for commands…")
                )
            )

    def search_themes(self) -> None:
        # Textual's "Theme" command, with the palette's words in the learner's language.
        self.push_screen(
            LocalPalette(providers=[ThemeProvider], placeholder=ui(self.lang, "Search for themes…"))
        )

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # Textual's own entries (theme, quit, keys...); one Textual adds later stays English.
        for command in super().get_system_commands(screen):
            if translated(self.lang):
                command = command._replace(
                    title=ui(self.lang, command.title, required=False),
                    help=ui(self.lang, command.help, required=False),
                )
            yield command

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    async def action_quit(self) -> None:
        """Ctrl+Q: quit at once (within 0.5 s, benchmarks/bench_quit.py).

        The interpreter's workers stop while Textual takes the screens down, not after it; the
        training screen kills its worker instead of giving it time to quit by itself.
        """
        self.quitting = True
        if self._stopping is None:
            self._stopping = asyncio.ensure_future(self.host.shutdown())
        for screen in self.screen_stack:
            end = getattr(screen, "end_workers_now", None)  # screens with their own workers
            if end is not None:
                end()
        self.exit()

    def action_open_training(self, own_model: tuple[str, str] | None = None) -> None:
        """The training screen; ``own_model`` adds a learner's class to its models: (label, "file.py:Class")."""
        # Imported here: the training client and its settings are not needed to start the app.
        from tutor.app.training import TrainingScreen

        self.push_screen(TrainingScreen(own_model=own_model))

    def action_restart_interpreter(self) -> None:
        self.restart_interpreter()


def launch(
    lesson_id: str | None = None,
    lang: str = "en",
    extra_dirs: Iterable[Path | str] = (),
    device: str | None = None,
    catalog: Catalog | None = None,
    stable: bool = False,
) -> int:
    """Run the app in this terminal until the learner quits; the exit code. ``catalog``: already loaded."""
    exit_signals.install()  # the CLI installed it already; `python -c` callers get it here
    app = TutorApp(
        catalog,
        lesson_id=lesson_id,
        lang=lang or "en",
        extra_dirs=extra_dirs,
        device=device,
        stable=stable,
    )
    result = app.run()
    code = int(result or app.return_code or 0)
    end_process(code)
    return code  # not reached


def end_process(code: int) -> None:
    """End this process once the app has quit, without Python's own teardown.

    By now the terminal is restored and the workers are gone (on_unmount). Tearing down every
    module and widget object still took ~0.3 s on a 2-core machine (benchmarks/bench_quit.py),
    which a learner waits through before the shell prompt returns. atexit handlers (session
    folders, logging) still run; only the interpreter's object teardown is skipped.
    """
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # a closed or gone terminal: nothing left to write to
    os._exit(code)
