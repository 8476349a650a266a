"""Provides DigitGrid: test digits drawn with half-block characters (▀, grey fg over grey bg), predicted vs true."""

from __future__ import annotations

from rich.console import Group
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from tutor.app.i18n import lang_of, ui

Image = list[list[int]]  # rows of 0..255 greys


def shrink(image: Image, factor: int) -> Image:
    """Average ``factor``×``factor`` blocks (MNIST's 28×28 becomes 14×14 at factor 2)."""
    if factor <= 1:
        return image
    rows, cols = len(image) // factor, len(image[0]) // factor
    area = factor * factor
    return [
        [
            sum(image[r * factor + i][c * factor + j] for i in range(factor) for j in range(factor))
            // area
            for c in range(cols)
        ]
        for r in range(rows)
    ]


def _grey(value: int, wrong: bool) -> str:
    v = max(0, min(255, int(value)))
    # A mistake is tinted red, so it stands out even before the labels are read.
    return f"rgb({v},{v // 4},{v // 4})" if wrong else f"rgb({v},{v},{v})"


def half_blocks(image: Image, *, wrong: bool = False) -> Text:
    """Two pixel rows per text row: the upper pixel is the ▀'s foreground, the lower its background."""
    text = Text()
    rows = image if len(image) % 2 == 0 else image + [[0] * len(image[0])]
    for r in range(0, len(rows), 2):
        if r:
            text.append("\n")
        for top, bottom in zip(rows[r], rows[r + 1], strict=True):
            text.append("▀", Style.parse(f"{_grey(top, wrong)} on {_grey(bottom, wrong)}"))
    return text


_SHADES = " ░▒▓█"


def shade_blocks(image: Image) -> Text:
    """The same picture without colour (NO_COLOR): one shade character per pair of pixel rows."""
    rows = image if len(image) % 2 == 0 else image + [[0] * len(image[0])]
    lines = []
    for r in range(0, len(rows), 2):
        lines.append(
            "".join(
                _SHADES[min(4, (a + b) * 5 // 512)]
                for a, b in zip(rows[r], rows[r + 1], strict=True)
            )
        )
    return Text("\n".join(lines))


def caption(true: int, pred: int, lang: str = "en") -> Text:
    if true == pred:
        return Text.assemble(("✓ ", "bold green"), (f"{pred}", "bold"))
    return Text.assemble(
        ("✗ ", "bold red"), (f"{pred}", "bold red"), (ui(lang, " (is {true})", true=true), "red")
    )


def digit_grid(
    digits: dict, width: int, height: int | None = None, *, color: bool = True, lang: str = "en"
) -> Group:
    """As many digits as fit in ``width`` columns (and ``height`` rows if given), full size when there is room."""
    images, truth, preds = digits.get("images", []), digits.get("true", []), digits.get("pred", [])
    if not images:
        return Group(Text(ui(lang, "no test digits yet"), style="dim"))
    factor = 1 if width >= 4 * 30 and (height is None or height >= 2 * 16) else 2
    per_row = max(1, width // (28 // factor + 2))
    lines_per_digit = 28 // factor // 2 + 1  # the half-block rows and the caption
    rows = -(-len(images) // per_row) if height is None else max(1, (height - 1) // lines_per_digit)
    count = min(len(images), per_row * rows)
    lines = []
    for start in range(0, count, per_row):
        grid = Table.grid(padding=(0, 2))
        chunk = range(start, min(start + per_row, count))
        for _ in chunk:
            grid.add_column(no_wrap=True)
        grid.add_row(
            *[
                half_blocks(shrink(images[i], factor), wrong=truth[i] != preds[i])
                if color
                else shade_blocks(shrink(images[i], factor))
                for i in chunk
            ]
        )
        grid.add_row(*[caption(truth[i], preds[i], lang) for i in chunk])
        lines.append(grid)
    wrong = sum(t != p for t, p in zip(truth[:count], preds[:count], strict=True))
    lines.append(
        Text(
            ui(
                lang,
                "{count} test digits, {wrong} misread (red); prediction first, true digit in brackets",
                count=count,
                wrong=wrong,
            ),
            style="dim",
        )
    )
    return Group(*lines)


class DigitGrid(Static):
    """Redraws its digits to fit its size (also on resize)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._digits: dict = {}

    def show(self, digits: dict) -> None:
        self._digits = digits
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        # Height is not passed: the grid sits in a scrolling container and shows every digit.
        self.update(
            digit_grid(
                self._digits, self.size.width or 80, color=not self.app.no_color, lang=lang_of(self)
            )
        )
