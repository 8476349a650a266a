"""Provides RunState: what a run has reported so far, folded from its events (no torch)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tutor.training.protocol import (
    Done,
    EpochEnd,
    Error,
    Event,
    Exit,
    Paused,
    Progress,
    Resumed,
    Started,
    Stopped,
)


@dataclass
class RunState:
    """The accumulated view of one run, for the screen and the CLI.

    Every batch loss is kept, so merged UI messages lose nothing.
    """

    status: str = "idle"  # idle | starting | running | paused | stopped | done | error
    start: Started | None = None
    progress: Progress | None = None
    losses: list[float] = field(default_factory=list)
    epochs: list[EpochEnd] = field(default_factory=list)
    result: Done | None = None
    error: str | None = None

    def apply(self, event: Event) -> None:
        if isinstance(event, Started):
            self.start = event
            self.status = "running"
        elif isinstance(event, Progress):
            self.progress = event
            self.losses.extend(event.losses)
        elif isinstance(event, EpochEnd):
            self.epochs.append(event)
        elif isinstance(event, Paused):
            self.status = "paused"
        elif isinstance(event, Resumed):
            self.status = "running"
        elif isinstance(event, Stopped):
            self.status = "stopped"
        elif isinstance(event, Done):
            self.result = event
            self.status = "done"
        elif isinstance(event, Error):
            self.error = event.message
            self.status = "error"
        elif isinstance(event, Exit) and self.status not in ("done", "stopped", "error"):
            self.error = f"the training worker exited (code {event.code}): {event.stderr[-500:]}"
            self.status = "error"

    @property
    def step(self) -> int:
        """The last step reported (0 before the first progress)."""
        return self.progress.step if self.progress is not None else 0

    @property
    def finished(self) -> bool:
        return self.status in ("stopped", "done", "error")
