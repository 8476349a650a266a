"""Provides the widgets the screens are built from, one per module."""
