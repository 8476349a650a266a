"""Provides the mistake coach: a learner's error explained with their own names, shapes and dtypes.

Pure Python (no torch, no textual). The worker sends safe facts about the failing line
(tutor.interpreter.facts); ``explain`` matches the error against the catalogue (catalogue.toml)
and fills the entry's text and fix. docs/coach.md describes the catalogue and how to extend it.
"""

from tutor.coach.explain import Explanation, explain
from tutor.coach.outcome import explain_outcome
from tutor.coach.steps import step_names

__all__ = ["Explanation", "explain", "explain_outcome", "step_names"]
