"""Provides plots and histograms drawn with plotext, on any plotext figure (headless or a widget's).

``draw`` takes a plotext figure: plotext's own ``_figure_class`` for plain text, or the ``plt``
of textual-plotext's ``PlotextPlot`` in the app (a subclass of the same class), so the two
renderings cannot drift apart. Without colour, lines differ by marker character instead.
"""

from __future__ import annotations

from typing import Any

from tutor.pictures.schema import Hist, Plot

# plotext has no type information, so its figures are Any here (pyproject: [tool.mypy] plotext).

# Without colour every line needs its own character; with colour plotext's fine markers look best.
PLAIN_MARKERS = ("•", "+", "x", "o", "*", "#", "%", "@")
COLOUR_MARKER = "braille"


def new_figure() -> Any:
    """A fresh headless plotext figure (plotext's module-level functions share one global figure)."""
    from plotext._figure import _figure_class

    return _figure_class()


def draw(fig: Any, picture: Plot | Hist, *, plain: bool = False) -> None:
    """Put ``picture`` on ``fig`` (cleared first); the caller sets the size and theme and builds."""
    fig.clear_data()
    if isinstance(picture, Plot):
        _plot(fig, picture, plain)
    else:
        _hist(fig, picture, plain)
    if picture.title:
        fig.title(picture.title)


def _marker(index: int, plain: bool) -> str:
    return PLAIN_MARKERS[index % len(PLAIN_MARKERS)] if plain else COLOUR_MARKER


def _plot(fig: Any, picture: Plot, plain: bool) -> None:
    for index, series in enumerate(picture.series):
        fig.plot(series.x, series.y, label=series.label or None, marker=_marker(index, plain))
    if picture.xlabel:
        fig.xlabel(picture.xlabel)
    if picture.ylabel:
        fig.ylabel(picture.ylabel)


def _hist(fig: Any, picture: Hist, plain: bool) -> None:
    edges = picture.edges
    centres = [(a + b) / 2 for a, b in zip(edges, edges[1:], strict=False)]
    width = edges[1] - edges[0]
    if len(picture.series) == 1:
        series = picture.series[0]
        fig.bar(centres, series.counts, width=1, label=series.label or None,
                marker="█" if plain else None)  # fmt: skip
    else:
        # Overlaid bars hide each other; one line per data set stays readable, with or without colour.
        for index, series in enumerate(picture.series):
            fig.plot(
                centres, series.counts, label=series.label or None, marker=_marker(index, plain)
            )
    fig.xlim(edges[0] - width / 2, edges[-1] + width / 2)
    # plotext would label the bar centres with every float digit; five round ticks read better.
    ticks = [edges[0] + (edges[-1] - edges[0]) * k / 4 for k in range(5)]
    fig.xticks(ticks, [f"{t:.3g}" for t in ticks])
    fig.ylabel("count")
