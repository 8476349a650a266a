"""Provides LessonScreen: one step at a time, with explanation, code cell, output, expected and verdict."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Container, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from tutor.app.i18n import LocalizedBindings, ui
from tutor.app.lesson_state import LessonState
from tutor.app.screens.cell_runner import CellRunner
from tutor.app.screens.lesson_end import LessonEndScreen, LessonSummary
from tutor.app.widgets.cell_toolbar import CellToolbar
from tutor.app.widgets.coach_note import CoachNote
from tutor.app.widgets.code_cell import CodeCell
from tutor.app.widgets.expected_panel import ExpectedPanel
from tutor.app.widgets.explanation import Explanation
from tutor.app.widgets.hints import HintsView
from tutor.app.widgets.output_panel import OutputPanel
from tutor.app.widgets.status_bar import StatusBar
from tutor.app.widgets.step_bar import StepBar
from tutor.app.widgets.verdict import VerdictView
from tutor.lessons.model import tr

# Toasts go away after this many seconds at most (they sit over the explanation, see tutor.tcss).
TOAST_SECONDS = 5.0
# The learner's edits are written to the progress file this long after the last keystroke.
SAVE_DELAY = 0.5


class LessonScreen(LocalizedBindings, CellRunner, Screen):
    """Keys that work inside the editor are F-keys and Ctrl combinations (they pass through tmux/SSH).

    Two modes, shown in the cell's border: navigating (letters are keys) and editing (letters are
    text). Focus never lands in the editor by itself: a step change puts it on the explanation,
    and so does a run (F5 / Ctrl+R leave the editor, as Shift+Enter does in a notebook), so a
    letter pressed after a run always means the same thing until the learner enters the cell again.
    """

    BINDINGS = [
        Binding("f5,ctrl+r", "run", "Run", id="lesson.run"),
        Binding("enter,e", "edit", "Edit", id="lesson.edit"),
        Binding("f4", "interrupt", "Stop", id="lesson.interrupt"),
        Binding("f2", "hint", "Hint", id="lesson.hint"),
        Binding("f3", "solution", "Solution", id="lesson.solution"),
        Binding("ctrl+n", "next", "Next", id="lesson.next"),
        Binding("ctrl+o", "previous", "Prev", id="lesson.previous"),
        Binding("ctrl+g", "jump", "Go to step", id="lesson.jump"),
        # Priority: the keys that replace the cell's text run before the editor sees the next key. A
        # plain binding reaches the screen only after the editor let the key bubble, so keys typed
        # right after Ctrl+L landed first and the reset then wiped them.
        Binding(
            "ctrl+l", "reset_cell", "Reset cell", id="lesson.reset_cell", show=False, priority=True
        ),
        Binding(
            "ctrl+t",
            "use_solution",
            "Take the solution into the cell",
            id="lesson.use_solution",
            show=False,
            priority=True,
        ),
        Binding("ctrl+z", "undo_cell", "Undo in the cell", id="lesson.undo", show=False),
        Binding("ctrl+y", "redo_cell", "Redo in the cell", id="lesson.redo", show=False),
        Binding(
            "ctrl+f,m", "maximize_output", "Full-screen output", id="lesson.maximize", show=False
        ),
        Binding(
            "f12,o",
            "external_edit",
            "Open the cell in your editor",
            id="lesson.external_edit",
            show=False,
        ),
        Binding("c", "show_check", "Show the check's code", id="lesson.show_check", show=False),
        Binding("f8", "restart", "Restart interpreter", id="lesson.restart", show=False),
        Binding("f9", "rerun", "Rerun steps to here", id="lesson.rerun", show=False),
        Binding("escape", "back", "Lessons", id="lesson.back", show=False),
        Binding("n", "next", "Next", id="lesson.next_letter", show=False),
        Binding("p", "previous", "Previous", id="lesson.previous_letter", show=False),
        Binding("question_mark", "app.help", "Help", id="lesson.help", show=False),
    ]

    def __init__(self, state: LessonState) -> None:
        super().__init__()
        self.state = state
        self._save_timer = None

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: str = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A toast of at most TOAST_SECONDS: it must not stay over the panels the learner reads."""
        timeout = min(timeout or TOAST_SECONDS, TOAST_SECONDS)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    @property
    def lesson(self):
        return self.state.lesson

    @property
    def lang(self) -> str:
        return self.app.lang

    def compose(self) -> ComposeResult:
        yield StepBar(id="step-bar")
        with VerticalScroll(id="lesson-body"):
            with Container(id="top-row"):
                yield Explanation(id="explanation")
                with Vertical(id="cell-col"):
                    yield CodeCell(id="cell")
                    yield CellToolbar(id="toolbar")
                    yield Static(id="cell-note")
            yield VerdictView(id="verdict")
            yield CoachNote(id="coach-note")
            with Container(id="io-row"):
                yield OutputPanel(id="output")
                yield ExpectedPanel(id="expected")
            yield HintsView(id="hints")
        yield StatusBar()
        yield Footer()

    async def on_mount(self) -> None:
        # The learner's cells and last runs from earlier sessions (once per app run).
        self.state.restore(self.app.progress)
        await self.show_step()
        self.remember_position()

    def on_unmount(self) -> None:
        # Leaving the lesson or quitting the app: edits still waiting for the timer are written now.
        self.save_cells()

    # --- drawing ------------------------------------------------------------------------------

    async def show_step(self) -> None:
        """Draw the current step from the lesson and the learner's state in it."""
        step, st = self.state.step, self.state.state
        self.refresh_step_bar()
        cell = self.query_one(CodeCell)
        cell.load(st.code)
        cell.show_edited(self.state.edited())
        for widget in (cell, self.query_one(CellToolbar), self.query_one("#io-row")):
            widget.display = step.runnable
        note = (
            ""
            if step.runnable
            else ui(self.lang, "Nothing to run in this step: n (or Ctrl+N) goes on.")
        )
        if self.cuda_skipped():
            note = ui(
                self.lang,
                "This step needs CUDA and cells run on {device}: "
                "read it and go on (a run only says it is skipped).",
                device=self.app.host.device.label,
            )
        cell_note = self.query_one("#cell-note", Static)
        cell_note.update(note)
        cell_note.display = bool(note)
        self.show_expected()
        output, verdict = self.query_one(OutputPanel), self.query_one(VerdictView)
        if st.outcome is not None and st.outcome.result is not None:
            output.clear()
            output.show_result(st.outcome.result, stable=self.app.stable)
        else:
            output.clear(ui(self.lang, "F5 runs the cell · Enter edits it"))
        if st.outcome is not None:
            verdict.show_outcome(st.outcome, step.expect)
        else:
            verdict.clear()
        self.query_one(CoachNote).show(st.outcome)
        self.query_one("#lesson-body").scroll_home(animate=False)
        self.minimize()
        await self.query_one(Explanation).show(tr(step.text, self.lang))
        await self.show_hints()
        self.leave_editor()
        self.refresh_bindings()  # "Edit" shows only where there is a cell

    def show_expected(self) -> None:
        st = self.state.state
        self.query_one(ExpectedPanel).show(
            self.state.step, revealed=st.check_shown, attempted=st.attempts > 0
        )

    def leave_editor(self) -> None:
        """Focus the explanation: arrows scroll it (or the page, when stacked), letters are keys.

        At once (not after a refresh, as ``focus()`` does): keys that follow in the same burst
        must find the editor already left (see ``CodeCell._on_key``).
        """
        self.set_focus(self.query_one(Explanation), scroll_visible=False)

    def on_text_area_changed(self, event: CodeCell.Changed) -> None:
        """Every edit is kept in the lesson's state and, shortly after, in the progress file."""
        event.stop()
        if not self.state.step.runnable:
            return
        self.keep_cell()
        self.query_one(CodeCell).show_edited(self.state.edited())
        if self.app.progress.set_cell(
            self.lesson.id, self.state.index, self.state.state.code if self.state.edited() else None
        ):
            if self._save_timer is not None:
                self._save_timer.stop()
            self._save_timer = self.set_timer(SAVE_DELAY, self.save_cells)

    def save_cells(self) -> None:
        """Write the progress file now if edits are waiting for the timer."""
        if self._save_timer is None:
            return
        self._save_timer.stop()
        self._save_timer = None
        self.app.save_progress()

    def on_code_cell_leave(self, event: CodeCell.Leave) -> None:
        event.stop()
        self.leave_editor()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit":
            # Hidden (and inert) where there is no cell, and while the learner is already in it.
            return self.state.step.runnable and not isinstance(self.focused, CodeCell)
        return True

    def show_hints(self):
        st = self.state.state
        return self.query_one(HintsView).show(
            self.state.step, self.lang, st.hints_shown, st.solution_shown
        )

    def refresh_step_bar(self) -> None:
        step = self.state.step
        self.query_one(StepBar).show(
            tr(self.lesson.title, self.lang),
            tr(step.title, self.lang),
            self.state.index,
            self.state.total,
            self.app.progress.done(self.lesson.id),
        )

    # --- navigation ---------------------------------------------------------------------------

    def keep_cell(self) -> None:
        if self.state.step.runnable:
            self.state.state.code = self.query_one(CodeCell).text

    def remember_position(self) -> None:
        self.app.progress.set_position(self.lesson.id, self.state.index)
        self.app.save_progress()

    async def action_goto(self, index: int) -> None:
        self.keep_cell()
        if self.state.go(index):
            await self.show_step()
            self.remember_position()

    def cuda_skipped(self) -> bool:
        """A needs-CUDA step on a machine whose cells run elsewhere."""
        device = self.app.host.device
        return self.state.step.needs_cuda and device is not None and device.kind != "cuda"

    async def action_next(self) -> None:
        if not self.state.step.runnable or self.cuda_skipped():
            # Reading is all a text-only step asks, and all a CUDA step can get without CUDA.
            self.app.progress.mark_done(self.lesson.id, self.state.index)
        if self.state.index == self.state.total - 1:
            self.keep_cell()
            self.app.save_progress()
            self.refresh_step_bar()
            self.app.push_screen(LessonEndScreen(self.summary()), self._after_end)
            return
        await self.action_goto(self.state.index + 1)

    def summary(self) -> LessonSummary:
        """The end-of-lesson view's figures, and the lesson after this one in the catalog."""
        steps = self.lesson.steps
        done = self.app.progress.done(self.lesson.id) & set(range(len(steps)))
        exercises = [i for i, step in enumerate(steps) if step.is_exercise]
        ids = [item.lesson.id for item in self.app.catalog.lessons]
        at = ids.index(self.lesson.id) if self.lesson.id in ids else len(ids)
        following = self.app.catalog.lessons[at + 1].lesson if at + 1 < len(ids) else None
        return LessonSummary(
            title=tr(self.lesson.title, self.lang),
            steps_done=len(done),
            steps=len(steps),
            exercises_passed=len([i for i in exercises if i in done]),
            exercises=len(exercises),
            next_title=tr(following.title, self.lang) if following is not None else "",
            todo=tuple(i for i in range(len(steps)) if i not in done),
        )

    async def _after_end(self, choice: str | None) -> None:
        summary = self.summary()
        if choice == "next" and summary.next_title:
            ids = [item.lesson.id for item in self.app.catalog.lessons]
            self.keep_cell()
            self.remember_position()
            self.app.open_lesson(ids[ids.index(self.lesson.id) + 1])
        elif choice == "step" and summary.todo:
            await self.action_goto(summary.todo[0])
        elif choice == "lessons":
            self.action_back()

    async def action_previous(self) -> None:
        if self.state.index == 0:
            self.notify(ui(self.lang, "This is the first step."))
            return
        await self.action_goto(self.state.index - 1)

    def action_jump(self) -> None:
        from tutor.app.screens.jump import JumpScreen

        done = self.app.progress.done(self.lesson.id)
        titles = [
            tr(s.title, self.lang) or tr(s.text, self.lang).strip().split("\n")[0][:60]
            for s in self.lesson.steps
        ]

        async def chosen(index: int | None) -> None:
            if index is not None:
                await self.action_goto(index)

        self.app.push_screen(JumpScreen(titles, done, self.state.index), chosen)

    def action_back(self) -> None:
        self.keep_cell()
        self.remember_position()
        if self.running:
            self.interrupt_if_running()
            self.notify(ui(self.lang, "The running cell was interrupted."))
        self.dismiss()

    def action_train_own_model(self) -> None:
        """Open the training screen on the nn.Module class written in this lesson's cells so far."""
        from tutor.paths import data_dir
        from tutor.training.user_model import lesson_model, write_lesson_model

        self.keep_cell()
        # The steps up to here as the namespace has them (earlier ones as they are replayed), and
        # this step as the cell shows it now.
        cells = [code for i in range(self.state.index) if (code := self.state.replay_code(i))]
        if self.state.step.runnable:
            cells.append(self.state.state.code)
        try:
            model = lesson_model(cells)
            spec = write_lesson_model(model, data_dir() / "models", self.lesson.id)
        except ValueError:
            self.notify(
                ui(
                    self.lang,
                    "No nn.Module class is defined in this lesson's cells up to this step.",
                ),
                severity="warning",
                timeout=6,
            )
            return
        except OSError as exc:
            self.notify(
                ui(self.lang, "Could not write the model file: {error}", error=exc),
                severity="error",
            )
            return
        # The class's own name in the model select (its column fits "CNN"-sized names).
        self.app.action_open_training(own_model=(model.class_name, spec))

    def action_edit(self) -> None:
        if self.state.step.runnable:
            self.minimize()
            self.query_one(CodeCell).focus()

    def action_maximize_output(self) -> None:
        """The output panel over the whole screen (plots, long tracebacks); the key again restores.

        Where the Expected panel has focus, that one is maximised instead.
        """
        if self.maximized is not None:
            self.minimize()
            return
        if not self.state.step.runnable:
            self.notify(ui(self.lang, "This step has no output to show."))
            return
        panel = self.focused
        if not isinstance(panel, ExpectedPanel):
            panel = self.query_one(OutputPanel)
        self.maximize(panel, container=False)
        panel.border_subtitle = ui(self.lang, "Ctrl+F, m or Esc: back to the lesson")
        panel.focus()

    def minimize(self) -> None:
        """Restore a maximised panel (also what Esc does, through Textual)."""
        if self.maximized is not None:
            self.maximized.border_subtitle = ""
        super().minimize()

    def action_undo_cell(self) -> None:
        """Ctrl+Z outside the editor: undo the cell's last change (a reset or the solution too)."""
        if self.state.step.runnable:
            self.query_one(CodeCell).action_undo()

    def action_redo_cell(self) -> None:
        if self.state.step.runnable:
            self.query_one(CodeCell).action_redo()

    def action_external_edit(self) -> None:
        """Edit the cell in the learner's editor ($VISUAL, else $EDITOR); the text comes back."""
        if not self.state.step.runnable:
            self.notify(ui(self.lang, "Nothing to edit in this step."))
            return
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not editor or not editor.strip():
            self.notify(
                ui(
                    self.lang,
                    "No editor is set: set $VISUAL or $EDITOR (for example "
                    "export EDITOR=nano) and start the tutor again.",
                ),
                severity="warning",
            )
            return
        cell = self.query_one(CodeCell)
        with tempfile.TemporaryDirectory(prefix="torch-tutor-edit-") as folder:
            path = Path(folder) / f"{self.lesson.id}-step{self.state.index + 1}.py"
            path.write_text(cell.text + "\n", encoding="utf-8")
            try:
                with self.app.suspend():
                    code = subprocess.call([*shlex.split(editor), str(path)])
            except SuspendNotSupported:
                # No terminal to hand over (a test's headless driver): run the editor as it is.
                code = subprocess.call([*shlex.split(editor), str(path)], stdin=subprocess.DEVNULL)
            except OSError as exc:
                self.notify(
                    ui(
                        self.lang,
                        "Could not start your editor ({editor}): {error}",
                        editor=editor,
                        error=exc,
                    ),
                    severity="error",
                )
                return
            try:
                text = path.read_text(encoding="utf-8").rstrip("\n")
            except (OSError, UnicodeDecodeError) as exc:
                self.notify(
                    ui(self.lang, "Could not read the edited file back: {error}", error=exc),
                    severity="error",
                )
                return
        if code != 0:
            self.notify(
                ui(
                    self.lang,
                    "Your editor exited with status {code}: the cell is unchanged.",
                    code=code,
                ),
                severity="warning",
            )
            return
        if text != cell.text:
            cell.replace_all(text)
            self.notify(ui(self.lang, "The cell holds your editor's text (Ctrl+Z undoes it)."))

    def action_show_check(self) -> None:
        """Reveal the exercise's check code, like the solution: after one attempt."""
        step, st = self.state.step, self.state.state
        if not step.is_exercise:
            self.notify(ui(self.lang, "This step has no check code (it is not an exercise)."))
            return
        if st.attempts == 0:
            self.notify(
                ui(
                    self.lang,
                    "Run your own attempt first (F5): the check's code opens after one try.",
                ),
                severity="warning",
            )
            return
        st.check_shown = True
        self.show_expected()

    # --- hints, solution, cell ----------------------------------------------------------------

    async def action_hint(self) -> None:
        step = self.state.step
        if not step.hints:
            self.notify(ui(self.lang, "This step has no hints."))
            return
        if not self.state.next_hint():
            self.notify(ui(self.lang, "That was the last hint ({count}).", count=len(step.hints)))
            return
        await self.show_hints()
        self.query_one("#lesson-body").scroll_to_widget(self.query_one(HintsView), animate=False)

    async def action_solution(self) -> None:
        step, st = self.state.step, self.state.state
        if not step.solution:
            self.notify(ui(self.lang, "This step has no solution to show (it is not an exercise)."))
            return
        if st.attempts == 0:
            self.notify(
                ui(self.lang, "Run your own attempt first (F5): the solution opens after one try."),
                severity="warning",
            )
            return
        st.solution_shown = True
        await self.show_hints()
        self.query_one("#lesson-body").scroll_to_widget(self.query_one(HintsView), animate=False)

    def action_use_solution(self) -> None:
        if not (self.state.step.solution and self.state.state.solution_shown):
            self.notify(ui(self.lang, "Show the solution first (F3, after one attempt)."))
            return
        self._replace_cell(
            self.state.step.solution.strip("\n"),
            ui(self.lang, "The solution is in the cell: F5 runs it. Ctrl+Z brings your code back."),
        )

    def action_reset_cell(self) -> None:
        if not self.state.step.runnable:
            return
        self._replace_cell(
            self.state.original(),
            ui(self.lang, "The cell is back to its original code. Ctrl+Z brings your code back."),
        )

    def _replace_cell(self, code: str, message: str) -> None:
        """Put ``code`` in the cell as one undoable edit; the old verdict no longer applies."""
        cell = self.query_one(CodeCell)
        if cell.text != code:
            cell.replace_all(code)
        self.keep_cell()
        self.state.state.outcome = None
        self.query_one(OutputPanel).clear(message)
        self.query_one(VerdictView).clear()
        self.query_one(CoachNote).show(None)
