"""Provides image grids as terminal cells: half blocks in colour or grey, or an ASCII ramp.

One character cell shows two pixel rows: ``▀`` with the top pixel as foreground and the bottom
one as background. Without colour each cell becomes a character of a brightness ramp. The same
cells feed the app's image widget (as Rich styles) and the plain-text rendering.
"""

from __future__ import annotations

from typing import NamedTuple, TypeVar

from tutor.pictures.schema import Heatmap, Image

RGB = tuple[int, int, int]
Pixel = RGB | None  # None: background between images
P = TypeVar("P")  # a pixel of either kind: _shrink keeps what it gets
# Modes (the ``mode`` arguments below): "rgb" colour images in colour; "grey" everything in
# grey; "ascii" no colour at all.
RAMP = " .:-=+*#%@"  # dark to bright, for terminals without colour
GAP = 1  # background columns between images


class Cell(NamedTuple):
    """One character cell; ``fg``/``bg`` None mean the terminal's own colours.

    A NamedTuple, not a dataclass: a 16-image grid makes tens of thousands of them.
    """

    char: str
    fg: RGB | None = None
    bg: RGB | None = None


BLANK = Cell(" ")
GREYS = [(v, v, v) for v in range(256)]


def _level(value: float, lo: float, hi: float) -> int:
    if hi <= lo:  # a constant image: white if positive (all ones), else black (all zeros)
        return 255 if value > 0 else 0
    return max(0, min(255, round((value - lo) / (hi - lo) * 255)))


def _levels(row: list[float], lo: float, hi: float) -> list[int]:
    if hi <= lo:
        return [_level(x, lo, hi) for x in row]
    k = 255 / (hi - lo)
    return [0 if x <= lo else 255 if x >= hi else int((x - lo) * k + 0.5) for x in row]


def _pixels(picture: Image, index: int, grey: bool) -> list[list[RGB]]:
    channels = picture.images[index]
    lo, hi = picture.vmin, picture.vmax
    if len(channels) == 1 or grey:
        if len(channels) == 3:  # luminance (ITU-R 601), the usual grey of a colour picture
            plane = [
                [0.299 * r + 0.587 * g + 0.114 * b for r, g, b in zip(*rows, strict=True)]
                for rows in zip(*channels, strict=True)
            ]
        else:
            plane = channels[0]
        return [[GREYS[v] for v in _levels(row, lo, hi)] for row in plane]
    return [
        list(zip(*(_levels(row, lo, hi) for row in rows), strict=True))
        for rows in zip(*channels, strict=True)
    ]


def _shrink(pixels: list[list[P]], width: int) -> list[list[P]]:
    """Nearest-neighbour shrink to ``width`` columns, keeping the aspect ratio."""
    rows, cols = len(pixels), len(pixels[0])
    if cols <= width:
        return pixels
    height = max(1, round(rows * width / cols))
    return [
        [pixels[r * rows // height][c * cols // width] for c in range(width)] for r in range(height)
    ]


def grid_bands(
    picture: Image, width: int, mode: str = "rgb"
) -> tuple[list[list[list[Pixel]]], int, int]:
    """The images in rows ("bands") of a grid at most ``width`` columns wide.

    Returns (bands of pixel rows, image width, images per band); background pixels are None.
    Images wider than ``width`` are shrunk to fit.
    """
    images = [_pixels(picture, i, grey=mode != "rgb") for i in range(len(picture.images))]
    images = [_shrink(image, max(1, width)) for image in images]
    rows, cols = len(images[0]), len(images[0][0])
    per_band = max(1, min(len(images), (width + GAP) // (cols + GAP)))
    bands = []
    for start in range(0, len(images), per_band):
        band: list[list[Pixel]] = []
        for r in range(rows):
            line: list[Pixel] = []
            for k, image in enumerate(images[start : start + per_band]):
                if k:
                    line.extend([None] * GAP)
                line.extend(image[r])
            band.append(line)
        bands.append(band)
    return bands, cols, per_band


def grid_lines(picture: Image, width: int, mode: str = "rgb") -> list[list[Cell]]:
    """The whole grid as lines of cells, a label line under each band when the images have labels."""
    bands, cols, per_band = grid_bands(picture, width, mode)
    lines: list[list[Cell]] = []
    for number, band in enumerate(bands):
        if number and not picture.labels:
            lines.append([])  # one blank line between bands
        lines.extend(to_cells(band, mode))
        if picture.labels:
            first = number * per_band
            names = picture.labels[first : first + per_band]
            text = (" " * GAP).join(name[:cols].center(cols) for name in names)
            lines.append([Cell(ch) for ch in text.rstrip()])
    return lines


def _ramp(pixel: Pixel) -> float:
    if pixel is None:
        return 0.0
    r, g, b = pixel
    return (0.299 * r + 0.587 * g + 0.114 * b) / 255


def to_cells(pixels: list[list[Pixel]], mode: str = "rgb") -> list[list[Cell]]:
    """Pairs of pixel rows as half-block cells (or ramp characters in ``ascii`` mode)."""
    width = max((len(row) for row in pixels), default=0)
    lines: list[list[Cell]] = []
    for r in range(0, len(pixels), 2):
        top = pixels[r] + [None] * (width - len(pixels[r]))
        bottom = (
            pixels[r + 1] + [None] * (width - len(pixels[r + 1]))
            if r + 1 < len(pixels)
            else [None] * width
        )
        if mode == "ascii":
            line = [
                BLANK if up is None and down is None
                else Cell(RAMP[min(len(RAMP) - 1, int((_ramp(up) + _ramp(down)) / 2 * len(RAMP)))])
                for up, down in zip(top, bottom, strict=True)
            ]  # fmt: skip
        else:
            line = [
                BLANK if up is None and down is None
                else Cell("▄", down, None) if up is None
                else Cell("▀", up, down)
                for up, down in zip(top, bottom, strict=True)
            ]  # fmt: skip
        lines.append(line)
    return lines


# --- heatmaps ------------------------------------------------------------------------------------

# viridis at five stops: dark to bright, readable in grey too; for data of one sign.
SEQUENTIAL = ((68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37))
# blue, white, red: for data on both sides of 0, with white at 0.
DIVERGING = ((33, 102, 172), (146, 197, 222), (247, 247, 247), (244, 165, 130), (178, 24, 43))


def _blend(stops: tuple[RGB, ...], t: float) -> RGB:
    t = max(0.0, min(1.0, t)) * (len(stops) - 1)
    k = min(int(t), len(stops) - 2)
    f = t - k
    a, b = stops[k], stops[k + 1]
    return (
        round(a[0] + (b[0] - a[0]) * f),
        round(a[1] + (b[1] - a[1]) * f),
        round(a[2] + (b[2] - a[2]) * f),
    )


def colour_of(value: float, picture: Heatmap, mode: str = "rgb") -> RGB:
    """A heatmap value's colour: diverging around 0 when the range spans 0, else sequential."""
    lo, hi = picture.vmin, picture.vmax
    if mode != "rgb":
        level = _level(value, lo, hi)
        return (level, level, level)
    if lo < 0 < hi:
        top = max(-lo, hi)  # symmetric, so white is exactly 0
        return _blend(DIVERGING, (value + top) / (2 * top))
    return _blend(SEQUENTIAL, (value - lo) / (hi - lo) if hi > lo else 1.0)


def heatmap_lines(picture: Heatmap, width: int, mode: str = "rgb") -> list[list[Cell]]:
    """The matrix as half-block cells (one column per entry, two rows per line)."""
    pixels: list[list[Pixel]] = [
        [colour_of(v, picture, mode) for v in row] for row in picture.values
    ]
    return to_cells(_shrink(pixels, max(1, width)), mode)


def legend_cells(picture: Heatmap, mode: str = "rgb", length: int = 16) -> list[Cell]:
    """``-1.2 ████████ 3.4``: the colour scale from vmin to vmax."""
    lo, hi = picture.vmin, picture.vmax
    cells = [Cell(ch) for ch in f"{lo:.4g} "]
    for k in range(length):
        value = lo + (hi - lo) * k / max(1, length - 1)
        colour = colour_of(value, picture, mode)
        if mode == "ascii":
            cells.append(Cell(RAMP[min(len(RAMP) - 1, int(_ramp(colour) * len(RAMP)))]))
        else:
            cells.append(Cell("█", fg=colour))
    cells.extend(Cell(ch) for ch in f" {hi:.4g}")
    return cells
