"""Provides StatsPanel: the live numbers of a run (loss, accuracy, throughput, ETA) and test accuracy per epoch."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

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


def stats_table(state: RunState, *, stable: bool = False, height: int | None = None) -> Table:
    """``stable`` leaves out timings (for snapshots); ``height`` limits the per-epoch rows."""
    p, s = state.progress, state.start
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.add_row("status", Text(state.status, style="bold"))
    if s:
        grid.add_row("model", f"{s['model']} · {s['params']:,} params")
    if p:
        grid.add_row("step", f"{p['step']:,} / {p['total_steps']:,} · epoch {p['epoch']}/{p['epochs']}")
        grid.add_row("loss", f"{p['loss']:.4f}")
        grid.add_row("train acc", f"{p['train_acc']:.1%} (this epoch)")
        if not stable:
            grid.add_row("speed", f"{p['samples_per_s']:,.0f} samples/s")
            grid.add_row("time", f"{_clock(p['elapsed'])} · ETA {_clock(p['eta'] if not state.finished else 0)}")
    if state.result and not stable:
        r = state.result
        grid.add_row("done", f"{r['train_time']:.1f} s train + {r['eval_time']:.1f} s test · "
                             f"{r['samples_per_s']:,.0f} samples/s")
    if state.epochs:
        last = state.epochs[-1]
        grid.add_row("test acc", Text.assemble((f"{last['test_acc']:.2%}", "bold green"),
                                               f" after epoch {last['epoch']}"))
        grid.add_row("", Text(_spark([e["test_acc"] for e in state.epochs]), style="green"))
        rows = len(grid.rows)
        shown = state.epochs[-max(0, (height or 99) - rows - 1):] if height else state.epochs
        for e in reversed(shown[:-1] if len(shown) > 1 else []):
            grid.add_row(Text(f"epoch {e['epoch']:>3}", style="dim"), Text.assemble(
                (f"{e['test_acc']:6.2%} ", ""), (_bar(e["test_acc"], 12), "green")))
    if state.error:
        grid.add_row(Text("error", style="bold red"), Text(state.error, style="red"))
    return grid


class StatsPanel(Static):
    def show(self, state: RunState, *, stable: bool = False) -> None:
        self.update(stats_table(state, stable=stable, height=self.size.height or None))
