"""Provides the size caps on pictures and the wording of the notes that say a cap was applied.

``show`` (in the worker) cuts data down to these caps and adds a note; :func:`schema.decode` (in
the UI) refuses messages over them. Keeping both sides on one set of numbers means a picture the
worker sent is always one the UI draws.
"""

from __future__ import annotations

MAX_SIDE = 64  # images and heatmaps: larger ones are downsampled (area average) to fit
MAX_IMAGES = 16  # images in one grid: the first ones are shown
MAX_POINTS = 10_000  # plot points over all series: each series is thinned evenly
MAX_SERIES = 8  # lines in a plot, data sets in a histogram
MAX_BINS = 200  # histogram bins
MAX_GRAPH_NODES = 200  # autograd nodes: the graph is cut (breadth first) past this
MAX_PER_CELL = 20  # pictures one cell may draw


def fit_side(rows: int, cols: int, side: int = MAX_SIDE) -> tuple[int, int]:
    """The size ``rows×cols`` shrinks to so neither side exceeds ``side``, keeping the aspect."""
    if rows <= side and cols <= side:
        return rows, cols
    scale = side / max(rows, cols)
    return max(1, round(rows * scale)), max(1, round(cols * scale))


def thin_step(points: int, limit: int = MAX_POINTS) -> int:
    """Keep every ``n``-th point so ``points`` fit in ``limit`` (1: keep all)."""
    return max(1, -(-points // max(1, limit)))


def note_downsampled(rows: int, cols: int, new_rows: int, new_cols: int) -> str:
    return (
        f"downsampled {rows}×{cols} → {new_rows}×{new_cols} to fit {MAX_SIDE}×{MAX_SIDE} "
        "(area average)"
    )


def note_first_images(shown: int, total: int) -> str:
    return f"only the first {shown} of {total} images are shown (at most {MAX_IMAGES})"


def note_thinned(points: int, kept: int, step: int) -> str:
    return f"thinned {points:,} points to {kept:,} (1 in every {step} kept; at most {MAX_POINTS:,})"


def note_nonfinite(count: int, what: str = "values") -> str:
    return f"{count:,} non-finite {what} (nan/inf) left out"


def note_graph_cut() -> str:
    return f"the graph has more than {MAX_GRAPH_NODES} nodes; only the first {MAX_GRAPH_NODES} are shown"
