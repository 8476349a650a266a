"""Provides StatusBar: the interpreter's state, the device and the torch version, on every screen."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tutor.app.i18n import ui

# Shapes as well as colours, so the state reads the same with NO_COLOR.
_STATES = {
    "starting": ("◌", "yellow"),
    "ready": ("●", "green"),
    "busy": ("◉", "cyan"),
    "restarting": ("◌", "yellow"),
    "stopped": ("○", "red"),
    "failed": ("✗", "red"),
}


class StatusBar(Static):
    """One line: ``● ready · cpu (AMD EPYC 7B13) · torch 2.14.1``."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        width: 1fr;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    """

    def on_mount(self) -> None:
        for name in ("interp_state", "device_label", "torch_version"):
            self.watch(self.app, name, self.refresh_text, init=False)
        self.refresh_text()

    def refresh_text(self, *_: object) -> None:
        app = self.app
        state = app.interp_state
        symbol, colour = _STATES.get(state, ("?", "red"))
        text = Text.assemble((f"{symbol} {ui(app.lang, state)}", f"bold {colour}"))
        if app.stable:
            # Snapshot mode: no machine-specific text.
            device = "cpu" if app.device_label else ""
            version = "torch" if app.torch_version else ""
        else:
            device, version = app.device_label, app.torch_version and f"torch {app.torch_version}"
        for part in (device, version):
            if part:
                text.append("  ·  ")
                text.append(part)
        if app.lang != "en":
            text.append(f"  ·  {app.lang}")
        self.update(text)
