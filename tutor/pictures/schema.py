"""Provides the display messages that ``show`` sends (msgspec structs, plain lists, tag ``kind``).

A message is a plain JSON object: the worker builds a struct, sends ``msgspec.to_builtins`` of it
over the JSON-lines protocol, and the UI side turns the dict back into a struct with
:func:`decode`, which also refuses anything over the caps (a tampered or buggy worker must not make
the UI draw a million cells). Every kind carries ``title`` and ``notes``: each note says how the
data was cut to fit a cap, so the learner is told rather than shown less in silence.
"""

from __future__ import annotations

from typing import Annotated, Any, cast

import msgspec
from msgspec import Meta, Struct

from tutor.pictures import caps

Notes = Annotated[list[str], Meta(max_length=16)]
Label = Annotated[str, Meta(max_length=200)]


class _Picture(Struct, tag_field="kind", kw_only=True, omit_defaults=True):
    """Fields every picture has."""

    title: Label = ""
    # What was cut to fit a cap ("downsampled 128×128 → 64×64"), shown to the learner.
    notes: Notes = []


class Series(Struct, kw_only=True):
    """One line of a plot."""

    label: Label = ""
    x: list[float]
    y: list[float]


class Plot(_Picture, tag="plot"):
    """Line series sharing one pair of axes."""

    series: Annotated[list[Series], Meta(min_length=1, max_length=caps.MAX_SERIES)]
    xlabel: Label = ""
    ylabel: Label = ""


class HistSeries(Struct, kw_only=True):
    """One data set binned over the histogram's shared edges, with its own statistics."""

    label: Label = ""
    counts: list[int]
    total: int  # values counted (non-finite ones are dropped and noted)
    mean: float = 0.0
    std: float = 0.0
    min: float = 0.0
    max: float = 0.0


class Hist(_Picture, tag="hist"):
    """Histograms over shared bin edges (``len(edges) == bins + 1``)."""

    edges: Annotated[list[float], Meta(min_length=2, max_length=caps.MAX_BINS + 1)]
    series: Annotated[list[HistSeries], Meta(min_length=1, max_length=caps.MAX_SERIES)]


class Image(_Picture, tag="image"):
    """A batch of images, ``images[n][c][row][col]`` with c = 1 (grey) or 3 (RGB), drawn as a grid.

    ``shape`` is the tensor's shape as given (before any cap); ``vmin``/``vmax`` map to black/white.
    """

    images: Annotated[list[list[list[list[float]]]], Meta(min_length=1, max_length=caps.MAX_IMAGES)]
    shape: list[int]
    vmin: float
    vmax: float
    labels: list[Label] = []


class Heatmap(_Picture, tag="heatmap"):
    """A matrix drawn cell by cell in colour; ``shape`` is the matrix's shape as given."""

    values: Annotated[list[list[float]], Meta(min_length=1, max_length=caps.MAX_SIDE)]
    shape: list[int]
    vmin: float
    vmax: float
    xlabel: Label = ""
    ylabel: Label = ""


class Node(Struct, kw_only=True, omit_defaults=True):
    """One autograd node. Leaves (``AccumulateGrad``) carry their tensor's facts."""

    id: int
    name: str  # the grad_fn class name torch uses: "PowBackward0", "AccumulateGrad"
    var: str = ""  # the namespace name of the tensor this node made (or, for a leaf, holds)
    leaf: bool = False
    shape: list[int] | None = None
    dtype: str = ""
    requires_grad: bool | None = None
    children: list[int] = []  # next_functions, in order; repeats mean an input used twice


class Graph(_Picture, tag="graph"):
    """The ``grad_fn`` graph of a tensor, from its root back to the leaves."""

    nodes: Annotated[list[Node], Meta(max_length=caps.MAX_GRAPH_NODES)]
    root: int | None = None  # None: the tensor has no grad_fn (see notes)
    var: str = ""  # the name of the tensor drawn


Picture = Plot | Hist | Image | Heatmap | Graph
KINDS = ("plot", "hist", "image", "heatmap", "graph")


class PictureError(ValueError):
    """A display message that is not a valid picture."""


def encode(picture: Picture) -> dict[str, Any]:
    """The plain JSON object that goes over the protocol."""
    # A tagged Struct always becomes a dict; msgspec types the result as Any.
    return cast("dict[str, Any]", msgspec.to_builtins(picture))


def decode(item: dict[str, Any] | Picture) -> Picture:
    """A display message as a struct; raises :class:`PictureError` with a readable reason."""
    if isinstance(item, (Plot, Hist, Image, Heatmap, Graph)):
        return item
    if not isinstance(item, dict):
        raise PictureError(f"a picture is a JSON object, not {type(item).__name__}")
    kind = item.get("kind")
    if kind not in KINDS:
        raise PictureError(f"unknown picture kind {kind!r}; expected one of {', '.join(KINDS)}")
    try:
        # convert() is typed for one class; for the union it returns Any, and a Picture here.
        picture = cast(Picture, msgspec.convert(item, Picture))
    except msgspec.ValidationError as exc:
        raise PictureError(f"bad {kind} picture: {exc}") from None
    _check_caps(picture)
    return picture


def _check_caps(picture: Picture) -> None:
    if isinstance(picture, Plot):
        points = 0
        for series in picture.series:
            if len(series.x) != len(series.y):
                raise PictureError("bad plot picture: a series has x and y of different lengths")
            points += len(series.y)
        if points > caps.MAX_POINTS:
            raise PictureError(f"bad plot picture: {points} points (at most {caps.MAX_POINTS})")
    elif isinstance(picture, Hist):
        for bars in picture.series:
            if len(bars.counts) != len(picture.edges) - 1:
                raise PictureError("bad hist picture: counts do not match the bin edges")
    elif isinstance(picture, Image):
        for image in picture.images:
            if len(image) not in (1, 3):
                raise PictureError("bad image picture: an image has 1 (grey) or 3 (RGB) channels")
            _check_matrix(image[0], "image")
            if any(_shape(channel) != _shape(image[0]) for channel in image):
                raise PictureError("bad image picture: channels of different sizes")
    elif isinstance(picture, Heatmap):
        _check_matrix(picture.values, "heatmap")
    elif isinstance(picture, Graph):
        ids = {node.id for node in picture.nodes}
        if picture.root is not None and picture.root not in ids:
            raise PictureError("bad graph picture: the root is not a node")
        if any(child not in ids for node in picture.nodes for child in node.children):
            raise PictureError("bad graph picture: an edge points to a missing node")


def _shape(matrix: list[list[float]]) -> tuple[int, int]:
    return len(matrix), len(matrix[0]) if matrix else 0


def _check_matrix(matrix: list[list[float]], kind: str) -> None:
    rows, cols = _shape(matrix)
    if not rows or not cols:
        raise PictureError(f"bad {kind} picture: an empty matrix")
    if rows > caps.MAX_SIDE or cols > caps.MAX_SIDE:
        raise PictureError(
            f"bad {kind} picture: {rows}×{cols} is over {caps.MAX_SIDE}×{caps.MAX_SIDE}"
        )
    if any(len(row) != cols for row in matrix):
        raise PictureError(f"bad {kind} picture: rows of different lengths")
