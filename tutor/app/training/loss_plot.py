"""Provides LossPlot: the live per-batch loss (and its moving average) with plotext, redrawn from a copy of the data."""

from __future__ import annotations

from textual_plotext import PlotextPlot


def _bucket(values: list[float], size: int) -> list[float]:
    return [sum(values[i : i + size]) / len(values[i : i + size]) for i in range(0, len(values), size)]


class LossPlot(PlotextPlot):
    """Call ``show(losses, epoch_steps)`` with copies; the plot keeps them and redraws on resize too."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._losses: list[float] = []
        self._test: list[tuple[int, float]] = []

    def on_mount(self) -> None:
        super().on_mount()
        self._draw()

    def show(self, losses: list[float], test_points: list[tuple[int, float]] = ()) -> None:
        self._losses, self._test = losses, list(test_points)
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("loss per batch")
        plt.xlabel("step")
        losses = self._losses
        if losses:
            # Braille draws two points per column: more than that only costs time (~5-20 ms a frame).
            size = max(1, -(-len(losses) // max(20, 2 * self.size.width)))
            raw = _bucket(losses, size)
            xs = [min(len(losses), (i + 1) * size) for i in range(len(raw))]
            plt.plot(xs, raw, marker="braille", label="batch")
            window = max(1, len(losses) // 20)
            smooth = _bucket(losses, window)
            plt.plot([min(len(losses), (i + 1) * window) for i in range(len(smooth))], smooth,
                     marker="braille", label="average")
            ticks = sorted({max(1, round(len(losses) * f)) for f in (0, 0.25, 0.5, 0.75, 1)})
            plt.xticks(ticks, [str(t) for t in ticks])
            if self._test:
                plt.scatter([s for s, _ in self._test], [v for _, v in self._test], marker="●", label="test")
        self.refresh()
