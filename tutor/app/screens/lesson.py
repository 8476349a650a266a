"""Provides LessonScreen: one step at a time, with explanation, code cell, output, expected and verdict."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from tutor.app.i18n import LocalizedBindings, ui
from tutor.app.lesson_state import LessonState
from tutor.app.screens.cell_runner import CellRunner
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


class LessonScreen(LocalizedBindings, CellRunner, Screen):
    """Keys that work inside the editor are F-keys and Ctrl combinations (they pass through tmux/SSH).

    Focus never lands in the editor by itself: a step change puts it on the explanation, so the
    letter keys (n, p, e) always mean the same thing until the learner enters the cell on purpose.
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
        Binding("ctrl+l", "reset_cell", "Reset cell", id="lesson.reset_cell", show=False, priority=True),
        Binding("ctrl+t", "use_solution", "Take the solution into the cell", id="lesson.use_solution",
                show=False, priority=True),
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
        await self.show_step()
        self.remember_position()

    # --- drawing ------------------------------------------------------------------------------

    async def show_step(self) -> None:
        """Draw the current step from the lesson and the learner's state in it."""
        step, st = self.state.step, self.state.state
        self.refresh_step_bar()
        cell = self.query_one(CodeCell)
        cell.load(st.code)
        for widget in (cell, self.query_one(CellToolbar), self.query_one("#io-row")):
            widget.display = step.runnable
        note = "" if step.runnable else ui(self.lang, "Nothing to run in this step: n (or Ctrl+N) goes on.")
        if self.cuda_skipped():
            note = ui(self.lang, "This step needs CUDA and cells run on {device}: "
                      "read it and go on (a run only says it is skipped).", device=self.app.host.device.label)
        cell_note = self.query_one("#cell-note", Static)
        cell_note.update(note)
        cell_note.display = bool(note)
        self.query_one(ExpectedPanel).show(step)
        output, verdict = self.query_one(OutputPanel), self.query_one(VerdictView)
        if st.outcome is not None and st.outcome.result is not None:
            output.clear()
            output.show_result(st.outcome.result, stable=self.app.stable)
        else:
            output.clear(ui(self.lang, "F5 runs the cell · Enter edits it"))
        if st.outcome is not None:
            verdict.show_outcome(st.outcome)
        else:
            verdict.clear()
        self.query_one(CoachNote).show(st.outcome)
        self.query_one("#lesson-body").scroll_home(animate=False)
        await self.query_one(Explanation).show(tr(step.text, self.lang))
        await self.show_hints()
        self.leave_editor()
        self.refresh_bindings()  # "Edit" shows only where there is a cell

    def leave_editor(self) -> None:
        """Focus the explanation: arrows scroll it (or the page, when stacked), letters are keys."""
        self.query_one(Explanation).focus(scroll_visible=False)

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
        return self.query_one(HintsView).show(self.state.step, self.lang, st.hints_shown, st.solution_shown)

    def refresh_step_bar(self) -> None:
        step = self.state.step
        self.query_one(StepBar).show(
            tr(self.lesson.title, self.lang), tr(step.title, self.lang),
            self.state.index, self.state.total, self.app.progress.done(self.lesson.id),
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
            self.app.save_progress()
            self.refresh_step_bar()
            done = len(self.app.progress.done(self.lesson.id))
            self.notify(ui(self.lang, "That was the last step ({done}/{total} done). Esc: back to the lessons.",
                           done=done, total=self.state.total))
            return
        await self.action_goto(self.state.index + 1)

    async def action_previous(self) -> None:
        if self.state.index == 0:
            self.notify(ui(self.lang, "This is the first step."))
            return
        await self.action_goto(self.state.index - 1)

    def action_jump(self) -> None:
        from tutor.app.screens.jump import JumpScreen

        done = self.app.progress.done(self.lesson.id)
        titles = [tr(s.title, self.lang) or tr(s.text, self.lang).strip().split("\n")[0][:60]
                  for s in self.lesson.steps]

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
            self.notify(ui(self.lang, "No nn.Module class is defined in this lesson's cells up to this step."),
                        severity="warning", timeout=6)
            return
        except OSError as exc:
            self.notify(ui(self.lang, "Could not write the model file: {error}", error=exc), severity="error")
            return
        # The class's own name in the model select (its column fits "CNN"-sized names).
        self.app.action_open_training(own_model=(model.class_name, spec))

    def action_edit(self) -> None:
        if self.state.step.runnable:
            self.query_one(CodeCell).focus()

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
            self.notify(ui(self.lang, "Run your own attempt first (F5): the solution opens after one try."),
                        severity="warning")
            return
        st.solution_shown = True
        await self.show_hints()
        self.query_one("#lesson-body").scroll_to_widget(self.query_one(HintsView), animate=False)

    def action_use_solution(self) -> None:
        if not (self.state.step.solution and self.state.state.solution_shown):
            self.notify(ui(self.lang, "Show the solution first (F3, after one attempt)."))
            return
        self.query_one(CodeCell).load(self.state.step.solution.strip("\n"))
        self.keep_cell()

    def action_reset_cell(self) -> None:
        if not self.state.step.runnable:
            return
        self.query_one(CodeCell).load(self.state.reset_cell())
        self.state.state.outcome = None
        self.query_one(OutputPanel).clear(ui(self.lang, "The cell is back to its original code."))
        self.query_one(VerdictView).clear()
        self.query_one(CoachNote).show(None)
