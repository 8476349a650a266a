"""Provides picture_widget: the output panel's drawing of one ``show`` picture (plot, image, graph...).

Each picture is a header line (its facts, from tutor.pictures.text), the drawing, and one line per
cap note. Plots and histograms are plotext charts (textual-plotext, which follows the app theme);
images and heatmaps are half-block cells in colour or grey by what the terminal can show, plain
characters without colour; graphs are a drawn tree. Everything is laid out again on resize.
"""

from __future__ import annotations

from typing import Any

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.containers import Vertical
from textual.content import Content
from textual.markup import escape
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static
from textual_plotext import PlotextPlot

from tutor.app.i18n import lang_of, ui
from tutor.pictures import charts, raster, tree
from tutor.pictures.schema import Graph, Heatmap, Hist, Image, Picture, PictureError, Plot, decode
from tutor.pictures.text import headline


def picture_widget(item: dict[str, Any], lang: str = "en") -> Widget:
    """The widget for one display message (a readable line if the message is not a picture)."""
    try:
        picture = decode(item)
    except PictureError as exc:
        return Static(
            Text(ui(lang, "[picture] cannot be drawn: {error}", error=exc), style="italic"),
            classes="picture-error",
        )
    if isinstance(picture, Graph):
        return GraphView(picture, lang)
    return PictureView(picture)


def colour_mode(widget: Widget) -> str:
    """``rgb`` where the terminal shows many colours, ``grey`` with 16, ``ascii`` with none."""
    app = widget.app
    if app.no_color:
        return "ascii"
    system = app.console.color_system
    return "rgb" if system in ("truecolor", "256") else "grey" if system else "ascii"


class PictureView(Vertical):
    """One picture: header, drawing, notes."""

    DEFAULT_CSS = """
    PictureView { height: auto; width: 100%; margin-bottom: 1; }
    PictureView > .picture-head { color: $text-accent; text-style: bold; width: 100%; }
    PictureView > .picture-note { color: $text-warning; width: 100%; }
    PictureView > ChartView { height: 16; width: 100%; }
    """

    def __init__(self, picture: Picture) -> None:
        super().__init__(classes=f"picture picture-{type(picture).__name__.lower()}")
        self.picture = picture

    def compose(self) -> ComposeResult:
        picture = self.picture
        yield Static(Text(headline(picture)), classes="picture-head")
        if isinstance(picture, (Plot, Hist)):
            yield ChartView(picture)
        elif isinstance(picture, (Image, Heatmap)):
            yield RasterView(picture)
        for note in picture.notes:
            yield Static(Text(f"⚠ {note}"), classes="picture-note")


class ChartView(PlotextPlot):
    """A plot or histogram; PlotextPlot redraws at its size on every render, so on resize too."""

    def __init__(self, picture: Plot | Hist) -> None:
        super().__init__()
        self.picture = picture
        charts.draw(self.plt, picture)

    def on_mount(self) -> None:
        if colour_mode(self) == "ascii":  # no colour: lines told apart by their markers
            charts.draw(self.plt, self.picture, plain=True)

    def render(self) -> RenderResult:
        try:
            return super().render()
        except Exception as exc:  # a chart plotext cannot draw at this size must not stop the app
            return Text(
                ui(
                    lang_of(self),
                    "(the chart could not be drawn at {width}×{height}: {error})",
                    width=self.size.width,
                    height=self.size.height,
                    error=exc,
                ),
                style="italic",
            )


class RasterView(Widget):
    """An image grid or a heatmap in half blocks; the grid reflows to the width it is given.

    Drawn with the line API: a 16-image grid is some 30,000 coloured cells, and only the visible
    lines are turned into strips (cached until the width, colour mode or theme changes).
    """

    DEFAULT_CSS = "RasterView { height: auto; width: 100%; }"

    def __init__(self, picture: Image | Heatmap) -> None:
        super().__init__()
        self.picture = picture
        self._cache: tuple[tuple[int, str], list[list[raster.Cell]]] | None = None
        self._strips: dict[tuple[int, int, str, Style], Strip] = {}

    def lines(self, width: int) -> list[list[raster.Cell]]:
        key = (max(1, width), colour_mode(self))
        if self._cache is None or self._cache[0] != key:
            width, mode = key
            if isinstance(self.picture, Image):
                lines = raster.grid_lines(self.picture, width, mode)
            else:
                lines = raster.heatmap_lines(self.picture, width, mode)
                lines.append(raster.legend_cells(self.picture, mode))
            self._cache = (key, lines)
            self._strips.clear()
        return self._cache[1]

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return len(self.lines(width))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        lines = self.lines(width)
        base = self.rich_style  # the theme's colours for the gaps and the labels
        key = (y, width, colour_mode(self), base)
        strip = self._strips.get(key)
        if strip is None:
            cells = lines[y] if y < len(lines) else []
            segments = [
                Segment(cell.char, base + _style(cell) if cell.fg or cell.bg else base)
                for cell in cells
            ]
            strip = Strip(segments).adjust_cell_length(width, base)
            self._strips[key] = strip
        return strip


_STYLES: dict[tuple[Any, Any], Style] = {}


def _style(cell: raster.Cell) -> Style:
    key = (cell.fg, cell.bg)
    style = _STYLES.get(key)
    if style is None:
        style = _STYLES[key] = Style(
            color=Color.from_rgb(*cell.fg) if cell.fg else None,
            bgcolor=Color.from_rgb(*cell.bg) if cell.bg else None,
        )
    return style


class GraphView(Static):
    """A graph picture as one block of drawn text (header, tree, notes), coloured with the theme.

    One Static, not wrapped: the output panel scrolls sideways for a deep graph, as for wide tensors.
    """

    DEFAULT_CSS = """
    GraphView { height: auto; width: auto; min-width: 100%; text-wrap: nowrap; margin-bottom: 1; }
    """

    def __init__(self, picture: Graph, lang: str = "en") -> None:
        super().__init__(self._content(picture, lang), classes="picture picture-graph")
        self.picture = picture

    @staticmethod
    def _content(picture: Graph, lang: str = "en") -> Content:
        lines = [f"[bold $text-accent]{escape(headline(picture))}[/]"]
        for row in tree.rows(picture):
            node = row.node
            name, _, rest = tree.node_label(node).partition("  ")
            style = "$text-success" if node.leaf else "$text-primary"
            line = f"[$text-muted]{escape(row.prefix)}[/][bold {style}]{escape(name)}[/]"
            if rest:
                line += f"  [$text-muted]{escape(rest)}[/]"
            if row.again:
                line += f"  [dim]{escape(ui(lang, '(inputs shown above)'))}[/]"
            lines.append(line)
        lines.extend(f"[$text-warning]⚠ {escape(note)}[/]" for note in picture.notes)
        return Content.from_markup("\n".join(lines))
