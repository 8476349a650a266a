"""Provides the confusion matrix as a Rich table (rows are true digits, columns predictions, mistakes in red), for the screen and the CLI."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text


def confusion_table(matrix: list[list[int]]) -> Table:
    table = Table(
        title="confusion matrix (row: true, column: predicted)",
        title_justify="left",
        box=None,
        padding=(0, 1),
        show_edge=False,
    )
    table.add_column("", style="bold", justify="right")
    for d in range(10):
        table.add_column(str(d), justify="right", style="bold")
    table.add_column("acc", justify="right")
    for true, row in enumerate(matrix):
        total = sum(row)
        cells = [
            Text(str(n), style="bold green")
            if pred == true
            else Text(str(n), style="bold red")
            if n
            else Text("·", style="dim")
            for pred, n in enumerate(row)
        ]
        acc = Text(f"{row[true] / total:.0%}" if total else "-", style="dim")
        table.add_row(str(true), *cells, acc)
    return table


def worst_confusions(matrix: list[list[int]], count: int = 3) -> str:
    """The most frequent mistakes, e.g. "4→9 ×43, 7→2 ×26"."""
    pairs = sorted(
        ((n, t, p) for t, row in enumerate(matrix) for p, n in enumerate(row) if t != p and n),
        reverse=True,
    )[:count]
    return ", ".join(f"{t}→{p} ×{n}" for n, t, p in pairs) or "none"
