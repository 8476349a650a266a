"""Provides the Textual app (TutorApp) and launch(), which the CLI calls to start it."""

from tutor.app.app import TutorApp, launch

__all__ = ["TutorApp", "launch"]
