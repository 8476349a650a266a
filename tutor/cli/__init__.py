"""Provides the `torch-tutor` command line: the app launcher and the authoring commands."""
