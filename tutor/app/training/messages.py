"""Provides the training screen's message: "the run's state changed", merged when they arrive faster than redraws."""

from __future__ import annotations

from textual.message import Message


class TrainingUpdated(Message):
    """Carries nothing: the screen redraws from its RunState, so a merged message loses no data."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TrainingUpdated)
