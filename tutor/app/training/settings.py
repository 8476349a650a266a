"""Provides SettingsBar: model, length, batch size, lr, momentum and threads, read into a TrainConfig."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Container, Horizontal
from textual.widgets import Input, Label, Select

from tutor.app.i18n import lang_of, ui
from tutor.training.config import DEFAULT_STEPS, TrainConfig

DEFAULTS = TrainConfig()  # the notes' settings, written once in TrainConfig

# (id, label, default, input type, tooltip); the tooltip's {default} is the notes' value.
FIELDS = (
    ("steps", "steps", str(DEFAULT_STEPS), "integer", "optimizer steps (ignored when epochs is set)"),
    ("epochs", "epochs", "", "integer", "passes over the training set; empty: use steps"),
    ("batch_size", "batch", str(DEFAULTS.batch_size), "integer", "batch size (the notes: {default})"),
    ("lr", "lr", str(DEFAULTS.lr), "number", "SGD learning rate (the notes: {default})"),
    ("momentum", "mom", str(DEFAULTS.momentum), "number", "SGD momentum (the notes: {default})"),
    ("threads", "thr", "", "integer", "torch threads for training; empty: chosen while training"),
)


class SettingsBar(Container):
    """One compact row of settings; ``config()`` raises ValueError with a readable message."""

    def __init__(self, *, model: str = "cnn", threads: int | None = None,
                 own_model: tuple[str, str] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._model = model
        self._threads = threads
        self._choices = [("CNN", "cnn"), ("FCN", "fcn")] + ([own_model] if own_model else [])

    def compose(self) -> ComposeResult:
        lang = lang_of(self)
        # Label+field pairs in a grid: one row on wide terminals, two on narrow ones (see training.tcss).
        with Horizontal(classes="setting"):
            yield Label(ui(lang, "model"), classes="setting-label")
            yield Select(self._choices, value=self._model, allow_blank=False,
                         compact=True, id="set-model",
                         tooltip=ui(lang, "the notes' CNN or FCN, or your class (m switches)") if len(self._choices) > 2
                         else ui(lang, "the notes' CNN or FCN (m switches)"))
        for key, label, default, kind, tip in FIELDS:
            if key == "threads" and self._threads:
                default = str(self._threads)
            with Horizontal(classes="setting"):
                yield Label(ui(lang, label), classes="setting-label")
                yield Input(default, type=kind, compact=True, id=f"set-{key}",
                            tooltip=ui(lang, tip, default=getattr(DEFAULTS, key, "")),
                            placeholder=ui(lang, "auto") if key == "threads" else "")

    def toggle_model(self) -> str:
        select = self.query_one("#set-model", Select)
        values = [value for _label, value in self._choices]
        select.value = values[(values.index(select.value) + 1) % len(values)]
        return self.model_label()

    def model_label(self) -> str:
        """The chosen model as the select shows it (CNN, FCN or the learner's class)."""
        value = self.query_one("#set-model", Select).value
        return next(label for label, choice in self._choices if choice == value)

    def config(self, **extra) -> TrainConfig:
        values: dict = {"model": str(self.query_one("#set-model", Select).value)}
        for key, label, _default, kind, _tip in FIELDS:
            text = self.query_one(f"#set-{key}", Input).value.strip()
            if not text:
                continue
            try:
                values[key] = int(text) if kind == "integer" else float(text)
            except ValueError:
                raise ValueError(ui(lang_of(self), "{label}: {text!r} is not a number",
                                    label=ui(lang_of(self), label), text=text)) from None
        if "epochs" in values:
            values.pop("steps", None)
        return TrainConfig(**values, **extra)
