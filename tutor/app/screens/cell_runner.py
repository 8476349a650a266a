"""Provides CellRunner: the lesson screen's run / interrupt / restart / rerun actions, all in workers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from rich.text import Text

from tutor.app.i18n import ui
from tutor.app.widgets.coach_note import CoachNote
from tutor.app.widgets.code_cell import CodeCell
from tutor.app.widgets.output_panel import OutputPanel
from tutor.app.widgets.verdict import VerdictView
from tutor.coach import step_names
from tutor.judge import StepOutcome, judge_step, needs_skip, replay_steps

# How long a run waits for a starting or restarting interpreter before giving up.
START_WAIT = 120.0


class CellRunner:
    """Mixed into LessonScreen (needs ``self.state``, ``self.lesson``, ``self.lang``)."""

    running: bool = False
    replayed: tuple[int, ...] = ()  # the steps the last replay ran, in order (set by _replay)
    finished_runs: int = 0  # counts finished runs and reruns (tests wait on it)

    # --- actions ------------------------------------------------------------------------------

    def action_run(self) -> None:
        if self.running:
            self.notify(
                ui(self.lang, "A cell is already running: F4 stops it."), severity="warning"
            )
            return
        if not self.state.step.runnable:
            self.notify(ui(self.lang, "Nothing to run in this step."))
            return
        self.keep_cell()
        # Running leaves the editor (the mode the help describes): the letters that follow are keys.
        self.leave_editor()
        self.running = True
        # On the app, not the screen: leaving the lesson must not cancel a run half-way through
        # a conversation with the worker (it is interrupted instead, see action_back).
        self.app.run_worker(
            self.run_cell(self.state.index, self.query_one(CodeCell).text),
            group="cell",
            exit_on_error=False,
        )

    def action_interrupt(self) -> None:
        if not self.running:
            self.notify(ui(self.lang, "Nothing is running."))
            return
        self.query_one(VerdictView).show_message(ui(self.lang, "⏹ Interrupting…"), "bold yellow")
        self.run_worker(self.app.host.interrupt(), group="interrupt", exit_on_error=False)

    def action_restart(self) -> None:
        self.app.restart_interpreter()

    def action_rerun(self) -> None:
        if self.running:
            self.notify(
                ui(self.lang, "Wait for the running cell (or stop it with F4)."), severity="warning"
            )
            return
        if self.state.index == 0:
            self.notify(ui(self.lang, "This is the first step: there is nothing before it to run."))
            return
        self.running = True
        self.app.run_worker(self.rerun_steps(), group="cell", exit_on_error=False)

    def interrupt_if_running(self) -> None:
        if self.running:
            self.app.run_worker(self.app.host.interrupt(), group="interrupt", exit_on_error=False)

    # --- workers ------------------------------------------------------------------------------

    def shows(self, index: int) -> bool:
        """Whether step ``index`` is what this screen shows now (results for others are kept, not drawn)."""
        return self.is_attached and self.state.index == index

    def _while_shown(self, index: int, draw: Callable[[Any], None]) -> Callable[[Any], None]:
        """A streaming callback that draws only while step ``index`` is on screen."""

        def forward(data: Any) -> None:
            # The learner may have moved to another step or left the lesson meanwhile.
            if self.shows(index):
                draw(data)

        return forward

    def say(self, index: int, message: str | Text, style: str = "") -> None:
        if self.shows(index):
            self.query_one(VerdictView).show_message(message, style)

    async def _ready(self, index: int) -> bool:
        """Wait for the interpreter; False (with a message) if it cannot run cells."""
        host = self.app.host
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_WAIT
        if host.state in ("starting", "restarting"):
            self.say(index, ui(self.lang, "◌ Waiting for the interpreter to start…"), "yellow")
        while host.state in ("starting", "restarting") and loop.time() < deadline:
            await asyncio.sleep(0.05)
        if host.state == "stopped":
            self.app.restart_interpreter()
            await asyncio.sleep(0.1)
            while host.state in ("starting", "restarting", "stopped") and loop.time() < deadline:
                await asyncio.sleep(0.05)
        if host.state in ("ready", "busy"):
            return True
        why = host.error or ui(self.lang, "it is {state}", state=ui(self.lang, host.state))
        self.say(
            index,
            ui(self.lang, "✗ The interpreter cannot run cells ({why}). F8 restarts it.", why=why),
            "bold red",
        )
        return False

    async def _replay(self, upto: int, *, everything: bool = False) -> list[str]:
        """Run the steps before ``upto`` that this namespace has not seen; problems, as lines.

        ``upto`` is also the step whose screen shows the progress messages. The steps that ran
        are left in ``self.replayed``.
        """
        self.replayed = ()
        host, ns = self.app.host, self.lesson.id
        todo = range(upto) if everything else host.missing(ns, upto)
        # None: nothing to run. A step skipped on this device (needs CUDA) made nothing to rebuild:
        # running it would only raise, and warn about a step the learner was told is skipped.
        cells = [
            (i, self.lesson.steps[i], code)
            for i in todo
            if (code := self.state.replay_code(i)) is not None
            and needs_skip(self.lesson.steps[i], host.interp) is None
        ]
        return await replay_steps(
            host.interp,
            ns,
            cells,
            on_start=lambda i: self._replaying(upto, i),
            on_result=lambda i, _result, generation: host.note_result(ns, i, generation),
            setup=self.lesson.setup,
        )

    def _replaying(self, upto: int, index: int) -> None:
        self.replayed += (index,)
        self.say(upto, self._replay_note(index), "yellow")

    def _replayed_note(self) -> str:
        """After a run that replayed earlier steps: which ones, and whose code they ran."""
        steps = ", ".join(str(i + 1) for i in self.replayed)
        own = [i for i in self.replayed if self.state.replays_own_code(i)]
        if len(own) == len(self.replayed):
            how = ui(self.lang, "the code you last ran there")
        elif not own:
            how = ui(self.lang, "the lesson's code: you had not run them")
        else:
            how = ui(
                self.lang, "your last runs, and the lesson's code where you had not run a step"
            )
        return ui(
            self.lang,
            "First re-ran step(s) {steps} to rebuild their variables ({how}).",
            steps=steps,
            how=how,
        )

    def _replay_note(self, index: int) -> str:
        """What a replay of step ``index`` runs, said while it runs."""
        if self.state.replays_own_code(index):
            return ui(
                self.lang,
                "◌ Running step {step} first (the code you last ran there), "
                "to rebuild its variables…",
                step=index + 1,
            )
        return ui(
            self.lang,
            "◌ Running step {step} first (the lesson's code: you have not run "
            "it), to rebuild its variables…",
            step=index + 1,
        )

    def _note_run(self, index: int, code: str) -> None:
        """Remember ``code`` as what step ``index`` last ran: replays run it, after restarts too."""
        self.state.steps[index].ran = code
        self.app.progress.set_last_run(self.lesson.id, index, code)

    async def run_cell(self, index: int, code: str) -> None:
        output = self.query_one(OutputPanel)
        st = self.state.steps[index]
        step = self.lesson.steps[index]
        try:
            if not await self._ready(index):
                return
            host = self.app.host
            async with host.lock:
                problems = await self._replay(index)
                if self.shows(index):
                    output.clear()
                self.say(index, ui(self.lang, "◌ Running… (F4 stops it)"), "bold cyan")
                if self.shows(index):
                    self.query_one(CoachNote).show(None)  # the last run's note is about that run
                generation = host.generation
                self._note_run(index, code)
                outcome: StepOutcome = await judge_step(
                    host.interp,
                    step,
                    code,
                    namespace=self.lesson.id,
                    lang=self.lang,
                    on_output=self._while_shown(index, output.append_output),
                    on_display=self._while_shown(index, output.add_display),
                    setup=self.lesson.setup,
                    lesson_id=self.lesson.id,
                    step_names=step_names(self.lesson.steps, index, self.lang),
                )
                worker_replaced = host.generation != generation
            host.note_result(self.lesson.id, index, generation)
            st.attempts += 1
            st.outcome = outcome
            if outcome.passed:
                st.passed = True
                self.app.progress.mark_done(self.lesson.id, index)
            self.app.save_progress()  # the step's last run, and its mark when it passed
            if self.shows(index):
                self._draw_outcome(outcome, problems, worker_replaced)
        except Exception as exc:  # the UI must outlive any failure of a run
            self.log.error(f"run failed: {exc!r}")
            self.say(
                index,
                ui(
                    self.lang,
                    "✗ The run failed inside the tutor: {error}",
                    error=f"{type(exc).__name__}: {exc}",
                ),
                "bold red",
            )
        finally:
            self.running = False
            self.finished_runs += 1
            self.app.sync_interp_state()
            if self.app.host.state == "stopped":
                self.app.restart_interpreter()

    def _draw_outcome(
        self, outcome: StepOutcome, problems: list[str], worker_replaced: bool
    ) -> None:
        output, verdict = self.query_one(OutputPanel), self.query_one(VerdictView)
        if outcome.result is not None:
            output.show_result(outcome.result, stable=self.app.stable)
        else:
            output.clear(outcome.reason)
        # Which earlier steps ran first, and whose code: said with the verdict, which the learner
        # reads (a toast would cover the panels; problems get their own warning below).
        note = self._replayed_note() if self.replayed and not problems else ""
        verdict.show_outcome(outcome, self.state.step.expect, note)
        self.query_one(CoachNote).show(outcome)
        self.show_expected()  # an attempt opens the check's code to c
        if problems:
            self.notify(
                ui(
                    self.lang,
                    "Earlier steps had problems when re-run: {problems}",
                    problems="; ".join(problems),
                ),
                severity="warning",
            )
        if worker_replaced:
            self.notify(
                ui(
                    self.lang,
                    "The worker was restarted and its variables are gone; the next run "
                    "re-runs the steps before this one first.",
                ),
                severity="warning",
            )
        self.refresh_step_bar()
        # After the new output is laid out, so the scroll reaches far enough.
        self.call_after_refresh(
            self.query_one("#lesson-body").scroll_to_widget, verdict, animate=False, top=True
        )

    async def rerun_steps(self) -> None:
        index = self.state.index
        try:
            if not await self._ready(index):
                return
            host = self.app.host
            async with host.lock:
                await host.reset_namespace(self.lesson.id)
                problems = await self._replay(index, everything=True)
            ran = len(
                [
                    s
                    for s in self.lesson.steps[:index]
                    if s.runnable and needs_skip(s, host.interp) is None
                ]
            )
            if problems:
                self.say(
                    index,
                    Text(
                        ui(
                            self.lang,
                            "Re-ran steps 1–{last}, with problems: {problems}",
                            last=index,
                            problems="; ".join(problems),
                        ),
                        style="bold yellow",
                    ),
                )
            else:
                self.say(
                    index,
                    Text(
                        ui(
                            self.lang,
                            "✓ Re-ran {count} earlier step(s): the variables are back.",
                            count=ran,
                        ),
                        style="bold green",
                    ),
                )
        except Exception as exc:
            self.say(
                index,
                ui(self.lang, "✗ Re-running failed: {error}", error=f"{type(exc).__name__}: {exc}"),
                "bold red",
            )
        finally:
            self.running = False
            self.finished_runs += 1
            self.app.sync_interp_state()
