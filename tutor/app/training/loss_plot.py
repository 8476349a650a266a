"""Provides LossPlot: the live per-batch loss (and its moving average) with plotext, redrawn from a copy of the data."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from tutor.app.i18n import lang_of, translated, ui


def _bucket(values: list[float], size: int) -> list[float]:
    return [
        sum(values[i : i + size]) / len(values[i : i + size]) for i in range(0, len(values), size)
    ]


def fit_wide(plot: Text) -> Text:
    """plotext's lines with Chinese labels brought back to their width.

    plotext counts characters, so each 2-cell character pushes the rest of its line (the frame's
    right edge too) one cell right. The surplus is taken from the first run of spaces after the
    line's last wide character, where it lands in empty plot area or the padding beside a title.
    """
    lines = plot.split("\n", allow_blank=True)
    for n, line in enumerate(lines):
        plain = line.plain
        surplus = cell_len(plain) - len(plain)
        if surplus <= 0:
            continue
        last_wide = max(i for i, ch in enumerate(plain) if cell_len(ch) > 1)
        gap = plain.find(" " * surplus, last_wide + 1)
        if gap < 0:
            line.right_crop(surplus)
        else:
            lines[n] = Text.assemble(line[:gap], line[gap + surplus :])
    return Text("\n").join(lines)


class LossPlot(PlotextPlot):
    """Call ``show(losses, epoch_steps)`` with copies; the plot keeps them and redraws on resize too."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._losses: list[float] = []
        self._test: list[tuple[int, float]] = []

    def on_mount(self) -> None:
        super().on_mount()
        self._draw()

    def render(self) -> RenderResult:
        plot = super().render()
        return fit_wide(plot) if isinstance(plot, Text) and translated(lang_of(self)) else plot

    def show(self, losses: list[float], test_points: list[tuple[int, float]] = ()) -> None:
        self._losses, self._test = losses, list(test_points)
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        lang = lang_of(self)
        plt.title(ui(lang, "loss per batch"))
        plt.xlabel(ui(lang, "step"))
        losses = self._losses
        if losses:
            # Braille draws two points per column: more than that only costs time (~5-20 ms a frame).
            size = max(1, -(-len(losses) // max(20, 2 * self.size.width)))
            raw = _bucket(losses, size)
            xs = [min(len(losses), (i + 1) * size) for i in range(len(raw))]
            plt.plot(xs, raw, marker="braille", label=ui(lang, "batch", context="plot"))
            window = max(1, len(losses) // 20)
            smooth = _bucket(losses, window)
            plt.plot(
                [min(len(losses), (i + 1) * window) for i in range(len(smooth))],
                smooth,
                marker="braille",
                label=ui(lang, "average"),
            )
            ticks = sorted({max(1, round(len(losses) * f)) for f in (0, 0.25, 0.5, 0.75, 1)})
            plt.xticks(ticks, [str(t) for t in ticks])
            if self._test:
                plt.scatter(
                    [s for s, _ in self._test],
                    [v for _, v in self._test],
                    marker="●",
                    label=ui(lang, "test"),
                )
        self.refresh()
