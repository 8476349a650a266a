"""Provides pictures as plain text: a compact description, and a drawing for terminals without the app.

``describe`` is the compact form: a header line with the picture's facts (kind, title, sizes,
value ranges), the tree of a graph, and every cap note. It is deterministic, so `torch-tutor
check` prints it and a `regex` expectation can match against it. ``render_text`` draws the
picture in characters (plotext charts, an ASCII-ramp or half-block image, the graph tree).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tutor.pictures import charts, raster, tree
from tutor.pictures.schema import Graph, Heatmap, Hist, Image, Picture, PictureError, Plot, decode


def num(value: float) -> str:
    """Short and stable: 4 significant digits, no trailing zeros (0.5, 1, -3.142, 1e-05)."""
    if value == 0:
        return "0"
    return f"{value:.4g}"


def _span(lo: float, hi: float) -> str:
    return f"{num(lo)} … {num(hi)}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def headline(picture: Picture) -> str:
    """One line: ``[image] digit: 1 image 28×28 · values 0 … 255``."""
    title = f" {picture.title} ·" if picture.title else ""
    if isinstance(picture, Plot):
        xs = [v for s in picture.series for v in s.x]
        ys = [v for s in picture.series for v in s.y]
        names = ", ".join(s.label for s in picture.series if s.label)
        points = len(picture.series[0].y) if len(picture.series) == 1 else None
        size = (
            f"{_plural(points, 'point')}" if points is not None
            else f"{len(picture.series)} lines × {_plural(max(len(s.y) for s in picture.series), 'point')}"
        )  # fmt: skip
        ranges = f" · x {_span(min(xs), max(xs))} · y {_span(min(ys), max(ys))}" if xs else ""
        return f"[plot]{title} {size}{f' ({names})' if names else ''}{ranges}"
    if isinstance(picture, Hist):
        bins = len(picture.edges) - 1
        parts = [
            f"{s.label + ': ' if s.label else ''}n={s.total} mean {num(s.mean)} std {num(s.std)} "
            f"range {_span(s.min, s.max)}"
            for s in picture.series
        ]
        return (
            f"[hist]{title} {bins} bins over {_span(picture.edges[0], picture.edges[-1])} · "
            + " · ".join(parts)
        )
    if isinstance(picture, Image):
        count = len(picture.images)
        rows, cols = len(picture.images[0][0]), len(picture.images[0][0][0])
        colour = " RGB" if len(picture.images[0]) == 3 else ""
        given = "×".join(str(n) for n in picture.shape)
        return (
            f"[image]{title} {_plural(count, 'image')} {rows}×{cols}{colour} (tensor {given}) · "
            f"values {_span(picture.vmin, picture.vmax)}"
        )
    if isinstance(picture, Heatmap):
        rows, cols = len(picture.values), len(picture.values[0])
        given = "×".join(str(n) for n in picture.shape)
        return f"[heatmap]{title} {rows}×{cols} (tensor {given}) · values {_span(picture.vmin, picture.vmax)}"
    nodes, leaves = tree.counts(picture)
    who = f" {picture.var}:" if picture.var else ""
    leaves_text = "1 leaf" if leaves == 1 else f"{leaves} leaves"
    return f"[graph]{title}{who} {_plural(nodes, 'node')}, {leaves_text}"


def describe(item: dict[str, Any] | Picture) -> str:
    """The compact text of one picture (several lines for a graph), ending without a newline."""
    try:
        picture = decode(item)
    except PictureError as exc:
        return f"[picture] cannot be drawn: {exc}"
    lines = [headline(picture)]
    if isinstance(picture, Graph):
        lines.extend(tree.tree_lines(picture))
    lines.extend(f"  note: {note}" for note in picture.notes)
    return "\n".join(lines)


def describe_all(items: Iterable[dict[str, Any] | Picture]) -> str:
    """Every picture's compact text, each ending in a newline ("" for none)."""
    return "".join(describe(item) + "\n" for item in items)


def _ansi(lines: list[list[raster.Cell]]) -> list[str]:
    out = []
    for line in lines:
        parts = []
        for cell in line:
            codes = []
            if cell.fg is not None:
                codes.append("38;2;{};{};{}".format(*cell.fg))
            if cell.bg is not None:
                codes.append("48;2;{};{};{}".format(*cell.bg))
            parts.append(f"\x1b[{';'.join(codes)}m{cell.char}\x1b[0m" if codes else cell.char)
        out.append("".join(parts).rstrip())
    return out


def cells_text(lines: list[list[raster.Cell]], colour: bool = False) -> list[str]:
    if colour:
        return _ansi(lines)
    return ["".join(cell.char for cell in line).rstrip() for line in lines]


def render_text(
    item: dict[str, Any] | Picture, width: int = 72, height: int = 16, *, colour: bool = False
) -> str:
    """The picture drawn in characters, ``width`` columns at most.

    Plain characters by default; with ``colour``, ANSI colour codes (24-bit half blocks for
    images and heatmaps, plotext's colours for charts) for a terminal.
    """
    try:
        picture = decode(item)
    except PictureError as exc:
        return f"[picture] cannot be drawn: {exc}"
    mode = "rgb" if colour else "ascii"
    lines = [headline(picture)]
    if isinstance(picture, (Plot, Hist)):
        fig = charts.new_figure()
        charts.draw(fig, picture, plain=not colour)
        fig.plotsize(width, height)
        fig.theme("clear")
        drawing = fig.build()
        if not colour:
            from plotext import uncolorize

            drawing = uncolorize(drawing)
        lines.extend(line.rstrip() for line in drawing.splitlines())
    elif isinstance(picture, Image):
        lines.extend(cells_text(raster.grid_lines(picture, width, mode), colour))
    elif isinstance(picture, Heatmap):
        lines.extend(cells_text(raster.heatmap_lines(picture, width, mode), colour))
        lines.extend(cells_text([raster.legend_cells(picture, mode)], colour))
    else:
        lines.extend(tree.tree_lines(picture))
    lines.extend(f"  note: {note}" for note in picture.notes)
    return "\n".join(lines)


def report(
    items: Iterable[dict[str, Any] | Picture], *, terminal: bool, width: int = 80, indent: int = 6
) -> str:
    """What `torch-tutor check` prints under a step: drawings in a terminal, else the compact text."""
    pad = " " * indent
    blocks = [
        render_text(item, max(20, min(width - indent, 100)), 14, colour=True)
        if terminal
        else describe(item)
        for item in items
    ]
    return "\n".join(pad + line for block in blocks for line in block.splitlines())
