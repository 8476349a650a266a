"""Provides the app's screens: home (lesson browser), lesson, help and jump-to-step."""
