"""Provides pictures from cells: the display message schema, its caps and text renderings.

Headless: no torch and no textual. The worker's ``show`` (tutor.interpreter.show) builds the
messages; the app's widgets (tutor.app.widgets.pictures) and the CLI draw them.
"""

from tutor.pictures.schema import (
    KINDS,
    Graph,
    Heatmap,
    Hist,
    HistSeries,
    Image,
    Node,
    Picture,
    PictureError,
    Plot,
    Series,
    decode,
    encode,
)
from tutor.pictures.text import describe, describe_all, render_text

__all__ = [
    "KINDS",
    "Graph",
    "Heatmap",
    "Hist",
    "HistSeries",
    "Image",
    "Node",
    "Picture",
    "PictureError",
    "Plot",
    "Series",
    "decode",
    "describe",
    "describe_all",
    "encode",
    "render_text",
]
