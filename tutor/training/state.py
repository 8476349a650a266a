"""Provides RunState: everything a run has reported so far, folded from worker events (no torch), for the screen and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RunState:
    """The accumulated view of one run. Every batch loss is kept, so merged UI messages lose nothing."""

    status: str = "idle"  # idle | starting | running | paused | stopped | done | error
    start: dict = field(default_factory=dict)
    progress: dict = field(default_factory=dict)
    losses: list[float] = field(default_factory=list)
    epochs: list[dict] = field(default_factory=list)
    result: dict | None = None
    error: str | None = None

    def apply(self, event: dict) -> None:
        kind = event.get("event")
        if kind == "start":
            self.start = event
            self.status = "running"
        elif kind == "progress":
            self.progress = event
            self.losses.extend(event.get("losses", ()))
        elif kind == "epoch":
            self.epochs.append(event)
        elif kind == "paused":
            self.status = "paused"
        elif kind == "resumed":
            self.status = "running"
        elif kind == "stopped":
            self.status = "stopped"
        elif kind == "done":
            self.result = event
            self.status = "done"
        elif kind == "error":
            self.error = event.get("message", "unknown error")
            self.status = "error"
        elif kind == "exit" and self.status not in ("done", "stopped", "error"):
            self.error = f"the training worker exited (code {event.get('code')}): {event.get('stderr', '')[-500:]}"
            self.status = "error"

    @property
    def finished(self) -> bool:
        return self.status in ("stopped", "done", "error")
