"""Provides StatsPanel: the live numbers of a run (loss, accuracy, throughput, ETA) and test accuracy per epoch."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from tutor.app.i18n import lang_of, ui
from tutor.training.config import is_model_file, model_file
from tutor.training.state import RunState


def _clock(seconds: float | None) -> str:
    if seconds is None or seconds != seconds:  # NaN
        return "-"
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _bar(fraction: float, width: int) -> str:
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    return "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]


def _spark(values: list[float]) -> str:
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return "".join("▁▂▃▄▅▆▇█"[min(7, int((v - low) / span * 7.999))] for v in values[-30:])


def model_name(spec: str) -> str:
    """``cnn``, ``fcn``, or ``Net (cnn.py)`` for a learner's ``.../cnn.py:Net`` (the path is long and says little)."""
    if not is_model_file(spec):
        return spec
    path, name = model_file(spec)
    return f"{name} ({path.name})"


def stats_table(
    state: RunState, *, stable: bool = False, height: int | None = None, lang: str = "en"
) -> Table:
    """``stable`` leaves out timings (for snapshots); ``height`` limits the per-epoch rows."""
    p, s = state.progress, state.start
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.add_row(ui(lang, "status"), Text(ui(lang, state.status), style="bold"))
    if s:
        grid.add_row(
            ui(lang, "model"),
            ui(lang, "{model} · {params:,} params", model=model_name(s.model), params=s.params),
        )
    if p:
        grid.add_row(
            ui(lang, "step"),
            ui(
                lang,
                "{step:,} / {total:,} · epoch {epoch}/{epochs}",
                step=p.step,
                total=p.total_steps,
                epoch=p.epoch,
                epochs=p.epochs,
            ),
        )
        grid.add_row(ui(lang, "loss"), f"{p.loss:.4f}")
        grid.add_row(ui(lang, "train acc"), ui(lang, "{acc:.1%} (this epoch)", acc=p.train_acc))
        if not stable:
            grid.add_row(ui(lang, "speed"), ui(lang, "{rate:,.0f} samples/s", rate=p.samples_per_s))
            grid.add_row(
                ui(lang, "time"),
                ui(
                    lang,
                    "{elapsed} · ETA {eta}",
                    elapsed=_clock(p.elapsed),
                    eta=_clock(p.eta if not state.finished else 0),
                ),
            )
    if state.result and not stable:
        r = state.result
        grid.add_row(
            ui(lang, "done"),
            ui(
                lang,
                "{train:.1f} s train + {test:.1f} s test · {rate:,.0f} samples/s",
                train=r.train_time,
                test=r.eval_time,
                rate=r.samples_per_s,
            ),
        )
    if state.epochs:
        last = state.epochs[-1]
        grid.add_row(
            ui(lang, "test acc"),
            Text.assemble(
                (f"{last.test_acc:.2%}", "bold green"),
                ui(lang, " after epoch {epoch}", epoch=last.epoch),
            ),
        )
        grid.add_row("", Text(_spark([e.test_acc for e in state.epochs]), style="green"))
        rows = len(grid.rows)
        shown = state.epochs[-max(0, (height or 99) - rows - 1) :] if height else state.epochs
        for e in reversed(shown[:-1] if len(shown) > 1 else []):
            grid.add_row(
                Text(ui(lang, "epoch {epoch:>3}", epoch=e.epoch), style="dim"),
                Text.assemble((f"{e.test_acc:6.2%} ", ""), (_bar(e.test_acc, 12), "green")),
            )
    if state.error:
        grid.add_row(Text(ui(lang, "error"), style="bold red"), Text(state.error, style="red"))
    return grid


class StatsPanel(Static):
    def show(self, state: RunState, *, stable: bool = False) -> None:
        self.update(
            stats_table(state, stable=stable, height=self.size.height or None, lang=lang_of(self))
        )
