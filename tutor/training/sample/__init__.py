"""Provides the bundled MNIST sample as package data (see README.md here)."""
