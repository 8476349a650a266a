"""Provides SettingsBar: model, length, batch, lr, momentum, threads, processes: a TrainConfig."""

from __future__ import annotations

import math

from textual import on
from textual.app import ComposeResult
from textual.containers import Container, Horizontal
from textual.widgets import Input, Label, Select

from tutor.app.i18n import lang_of, ui
from tutor.training.config import DEFAULT_STEPS, TrainConfig

DEFAULTS = TrainConfig()  # the notes' settings, written once in TrainConfig

# (id, label, default, input type, tooltip); the tooltip's {default} is the notes' value.
FIELDS = (
    (
        "steps",
        "steps",
        str(DEFAULT_STEPS),
        "integer",
        "optimizer steps, one batch each (or set epochs)",
    ),
    ("epochs", "epochs", "", "integer", "passes over the training set (or set steps)"),
    (
        "batch_size",
        "batch",
        str(DEFAULTS.batch_size),
        "integer",
        "batch size (the notes: {default})",
    ),
    ("lr", "lr", str(DEFAULTS.lr), "number", "SGD learning rate (the notes: {default})"),
    (
        "momentum",
        "momentum",
        str(DEFAULTS.momentum),
        "number",
        "SGD momentum (the notes: {default})",
    ),
    (
        "threads",
        "threads",
        "",
        "integer",
        "torch threads for training; empty: chosen while training",
    ),
    (
        "world_size",
        "processes",
        "1",
        "integer",
        "processes training together (DistributedDataParallel): each takes an equal share of "
        "every batch",
    ),
)


def passes(steps: int, steps_per_epoch: int) -> str:
    """``steps`` as passes over the training set: "14", "13.2" (the last pass may be partial)."""
    return f"{steps / steps_per_epoch:.1f}".removesuffix(".0")


def length_sentence(lang: str, steps: int, batch: int, train: int) -> str:
    """What a run's length means, in the one unit the screen counts in: steps (and passes)."""
    per_epoch = math.ceil(train / batch)
    return ui(
        lang,
        "{steps:,} steps of {batch} images = {passes} passes over the {train:,}-image training set",
        steps=steps,
        batch=batch,
        passes=passes(steps, per_epoch),
        train=train,
    )


class SettingsBar(Container):
    """One compact row of settings; ``config()`` raises ValueError with a readable message.

    Steps and epochs are two ways to give one length: typing in one empties the other, whose
    placeholder then shows the same length in its own unit (once the training set's size is known).
    """

    def __init__(
        self,
        *,
        model: str = "cnn",
        threads: int | None = None,
        own_model: tuple[str, str] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self._model = model
        self._threads = threads
        self._choices = [("CNN", "cnn"), ("FCN", "fcn")] + ([own_model] if own_model else [])
        self.train_size: int | None = None  # the training set's images, once the data plan is read

    def compose(self) -> ComposeResult:
        lang = lang_of(self)
        # Label+field pairs in a grid: one row on wide terminals, two on narrow ones
        # (see training.tcss).
        with Horizontal(classes="setting"):
            yield Label(ui(lang, "model"), classes="setting-label")
            yield Select(
                self._choices,
                value=self._model,
                allow_blank=False,
                compact=True,
                id="set-model",
                tooltip=ui(lang, "the notes' CNN or FCN, or your class (m switches)")
                if len(self._choices) > 2
                else ui(lang, "the notes' CNN or FCN (m switches)"),
            )
        for key, label, default, kind, tip in FIELDS:
            if key == "threads" and self._threads:
                default = str(self._threads)
            with Horizontal(classes="setting"):
                yield Label(ui(lang, label), classes="setting-label")
                yield Input(
                    default,
                    type=kind,
                    compact=True,
                    id=f"set-{key}",
                    tooltip=ui(lang, tip, default=getattr(DEFAULTS, key, "")),
                    placeholder=ui(lang, "auto") if key == "threads" else "",
                )

    def toggle_model(self) -> str:
        select = self.query_one("#set-model", Select)
        values = [value for _label, value in self._choices]
        select.value = values[(values.index(select.value) + 1) % len(values)]
        return self.model_label()

    def model_label(self) -> str:
        """The chosen model as the select shows it (CNN, FCN or the learner's class)."""
        value = self.query_one("#set-model", Select).value
        return next(label for label, choice in self._choices if choice == value)

    # --- one length, two units ----------------------------------------------------------------

    @on(Input.Changed, "#set-steps, #set-epochs")
    def _length_changed(self, event: Input.Changed) -> None:
        if event.value.strip():
            other = "#set-epochs" if event.input.id == "set-steps" else "#set-steps"
            self.query_one(other, Input).value = ""
        self.show_equivalents()

    @on(Input.Changed, "#set-batch_size")
    def _batch_changed(self) -> None:
        self.show_equivalents()

    def set_train_size(self, train: int | None) -> None:
        self.train_size = train
        self.show_equivalents()

    def length(self) -> tuple[int, int] | None:
        """(steps, batch size) as the settings stand, or None while unknown or unreadable."""
        try:
            config = self.config()
        except (ValueError, TypeError):
            return None
        if self.train_size is None and config.epochs is not None:
            return None
        return config.total_steps(self.train_size or 1), config.batch_size

    def show_equivalents(self) -> None:
        """The empty one of steps and epochs shows, as placeholder, the length the other gives."""
        steps, epochs = self.query_one("#set-steps", Input), self.query_one("#set-epochs", Input)
        length = self.length()
        if length is None or self.train_size is None:
            steps.placeholder = epochs.placeholder = ""
            return
        total, batch = length
        per_epoch = math.ceil(self.train_size / batch)
        steps.placeholder = "" if steps.value.strip() else f"{total}"
        epochs.placeholder = "" if epochs.value.strip() else passes(total, per_epoch)

    def config(self, **extra) -> TrainConfig:
        values: dict = {"model": str(self.query_one("#set-model", Select).value)}
        for key, label, _default, kind, _tip in FIELDS:
            text = self.query_one(f"#set-{key}", Input).value.strip()
            if not text:
                continue
            try:
                values[key] = int(text) if kind == "integer" else float(text)
            except ValueError:
                raise ValueError(
                    ui(
                        lang_of(self),
                        "{label}: {text!r} is not a number",
                        label=ui(lang_of(self), label),
                        text=text,
                    )
                ) from None
        if "epochs" in values:
            values.pop("steps", None)
        return TrainConfig(**values, **extra)
