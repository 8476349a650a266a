"""Provides the torch-tutor package: a terminal tutor for learning PyTorch."""

__version__ = "0.1.0"
