"""Provides the MNIST training screen (TrainingScreen); it talks to the training worker and never imports torch."""

from tutor.app.training.screen import TrainingScreen

__all__ = ["TrainingScreen"]
