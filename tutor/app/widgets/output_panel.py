"""Provides OutputPanel: what a cell printed (streamed live), its pictures, value and traceback.

Pictures: each display item (``ExecResult.displays`` / the interpreter's ``on_display``) is mounted
by :meth:`OutputPanel.add_display` as ``tutor.app.widgets.pictures.picture_widget(item)``.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from tutor.app.i18n import lang_of, ui
from tutor.app.widgets.scroll_panel import ScrollPanel

# Streamed output is drawn at most this often (seconds), however fast the cell prints.
FLUSH_EVERY = 0.05


def picture_summary(item: dict[str, Any]) -> str:
    kind = str(item.get("kind") or "?")
    title = item.get("title")
    return f"[picture: {kind}{f' · {title}' if title else ''}]"


def display_widget(item: dict[str, Any], lang: str = "en") -> Widget:
    """The widget for one display item, or a line saying why it could not be drawn."""
    # Imported at the first picture: plotext and the chart code are not needed to start the app.
    from tutor.app.widgets.pictures import picture_widget

    try:
        return picture_widget(item, lang)
    except Exception as exc:  # a bad picture must not lose the rest of the output
        return Static(
            Text(
                ui(
                    lang,
                    "{picture} could not be drawn: {error}",
                    picture=picture_summary(item),
                    error=exc,
                ),
                style="italic red",
            ),
            classes="picture-summary",
        )


class OutputPanel(ScrollPanel):
    """Long outputs scroll down; long lines wrap (folded mid-word when they have no space)."""

    DEFAULT_CSS = """
    OutputPanel > .error { color: $text-error; }
    OutputPanel > .note { color: $text-muted; text-style: italic; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Output", id=id)
        self._text: Static | None = None
        self._chunks: list[str] = []
        self._pending = False
        self._streamed = ""
        self._displays = 0

    def on_mount(self) -> None:
        self.border_title = ui(lang_of(self), "Output")

    def clear(self, message: str = "") -> None:
        self.remove_children()
        self._text = None
        self._chunks = []
        self._pending = False
        self._streamed = ""
        self._displays = 0
        if message:
            self.mount(Static(Text(message), classes="note"))

    # --- live output --------------------------------------------------------------------------

    def append_output(self, text: str) -> None:
        """Queue streamed text; it is drawn in batches so a chatty cell cannot flood the UI."""
        self._chunks.append(text)
        if not self._pending:
            self._pending = True
            self.set_timer(FLUSH_EVERY, self._flush)

    def _flush(self) -> None:
        self._pending = False
        if not self._chunks:
            return
        at_end = self.scroll_y >= self.max_scroll_y - 1
        self._streamed += "".join(self._chunks)
        self._chunks = []
        self._write_text(self._streamed)
        if at_end:
            self.call_after_refresh(self.scroll_end, animate=False)

    def _write_text(self, text: str) -> None:
        rendered = Text(text.rstrip("\n"), overflow="fold")
        if self._text is None:
            self._text = Static(rendered, classes="out-text")
            self.mount(self._text)
        else:
            self._text.update(rendered)

    def add_display(self, item: dict[str, Any]) -> None:
        """Mount one picture after the text printed so far; later text goes below it."""
        self._flush()
        self._displays += 1
        self.mount(display_widget(item, lang_of(self)))
        # Text printed after a picture starts a new block below it.
        self._text = None
        self._streamed = ""

    # --- the final result ---------------------------------------------------------------------

    def show_result(self, result: Any, *, stable: bool = False) -> None:
        """Draw an ExecResult: keeps what was streamed when it matches, then value and traceback."""
        self._flush()
        output = result.output or ""
        if not self._displays and output != self._streamed:
            self._write_text(output)
        for item in (result.displays or [])[self._displays :]:
            self.add_display(item)
        if result.value is not None:
            self.mount(Static(Text(result.value, overflow="fold"), classes="value"))
        if result.traceback:
            traceback = Text(result.traceback.rstrip("\n"), overflow="fold")
            self.mount(Static(traceback, classes="error"))
        elif result.error_type:
            error = Text(f"{result.error_type}: {result.error_message or ''}", overflow="fold")
            self.mount(Static(error, classes="error"))
        notes = []
        if result.truncated or result.dropped_bytes:
            notes.append(
                ui(
                    lang_of(self),
                    "output cut: {count} more bytes were not kept",
                    count=result.dropped_bytes,
                )
            )
        if result.detail and result.status != "ok":
            notes.append(result.detail)
        if not stable:
            notes.append(f"{result.elapsed:.2f} s")
        if not (output or result.value or result.traceback or result.displays):
            notes.insert(0, ui(lang_of(self), "(no output)"))
        if notes:
            self.mount(Static(Text(" · ".join(notes)), classes="note"))
