"""Provides the lesson model, the loader and validation (no torch, no textual)."""
