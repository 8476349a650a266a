"""Provides ``show``, the picture API every cell namespace starts with (plots, images, graphs).

Each call cuts its data to the caps in :mod:`tutor.pictures.caps` (saying so in the picture's
``notes``), builds a :mod:`tutor.pictures.schema` struct of plain lists and sends it as one
``display`` message through the worker's protocol channel (JSON, never pickle, never raw tensors).
The client collects them in ``ExecResult.displays`` and streams them to ``on_display``.

torch is imported inside the methods: this module lives in the worker, where torch is loaded
already, but importing it here would make the module unusable without torch for no gain.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

from tutor.pictures import caps
from tutor.pictures.schema import (
    Graph,
    Heatmap,
    Hist,
    HistSeries,
    Image,
    Node,
    Picture,
    Plot,
    Series,
    decode,
    encode,
)


def _tensor(data: Any, fn: str) -> Any:
    """``data`` (tensor, NumPy array, nested list, number) as a detached tensor, not yet copied."""
    import torch

    if isinstance(data, torch.Tensor):
        t = data.detach()
    else:
        try:
            t = torch.as_tensor(data)
        except (TypeError, ValueError, RuntimeError):
            raise TypeError(
                f"show.{fn}: cannot draw a {type(data).__name__}; "
                "pass a tensor, a NumPy array or a list of numbers"
            ) from None
    if t.is_complex():
        raise TypeError(f"show.{fn}: cannot draw complex numbers; pass t.real, t.imag or t.abs()")
    if t.numel() == 0:
        raise ValueError(f"show.{fn}: the data is empty (shape {tuple(t.shape)})")
    return t


def _f64(t: Any) -> Any:
    # To the CPU first: MPS has no float64, so casting there would fail.
    return t.cpu().double()


def _rounded(t: Any, digits: int) -> list:
    """Plain nested lists with ``digits`` significant digits (relative to the largest value):
    short JSON, and no float32 noise such as 0.30000001192092896."""
    import torch

    finite = t[torch.isfinite(t)]
    top = finite.abs().max().item() if finite.numel() else 0.0
    if top > 0:
        t = torch.round(t, decimals=digits - 1 - math.floor(math.log10(top)))
    return t.tolist()


def _labels(labels: Any, count: int, fn: str) -> list[str]:
    if labels is None:
        return [""] * count
    if isinstance(labels, str):
        labels = [labels]
    labels = [str(label) for label in labels]
    if len(labels) != count:
        raise ValueError(f"show.{fn}: {len(labels)} label(s) for {count} data set(s)")
    return labels


def _range(t: Any) -> tuple[float, float]:
    import torch

    finite = t[torch.isfinite(t)]
    if not finite.numel():
        return 0.0, 1.0
    return finite.min().item(), finite.max().item()


def _fit(t: Any, notes: list[str]) -> Any:
    """(N, C, H, W) shrunk so H and W fit ``MAX_SIDE``, by area average."""
    import torch.nn.functional as F

    rows, cols = t.shape[-2:]
    new = caps.fit_side(rows, cols)
    if new == (rows, cols):
        return t
    notes.append(caps.note_downsampled(rows, cols, *new))
    return F.adaptive_avg_pool2d(t, new)


def _nonfinite(t: Any, fill: float, notes: list[str]) -> Any:
    import torch

    bad = ~torch.isfinite(t)
    if bad.any():
        notes.append(caps.note_nonfinite(int(bad.sum())) + f", drawn as {fill:g}")
        t = t.masked_fill(bad, fill)
    return t


def _stretch_each(t: Any, notes: list[str]) -> Any:
    """Each image of (N, C, H, W) mapped onto [0, 1] by its own min and max (a flat one to 0)."""
    import torch

    flat = t.flatten(1)
    finite = torch.where(torch.isfinite(flat), flat, torch.nan)
    lo = finite.nan_to_num(torch.inf).amin(dim=1)
    hi = finite.nan_to_num(-torch.inf).amax(dim=1)
    notes.append(
        f"each image stretched to its own min … max (the values span {lo.min().item():.4g} … {hi.max().item():.4g})"
    )
    span = (hi - lo).where(hi > lo, torch.ones_like(hi))
    return ((t - lo.view(-1, 1, 1, 1)) / span.view(-1, 1, 1, 1)).where(
        (hi > lo).view(-1, 1, 1, 1), torch.zeros_like(t)
    )


def _namespace_names(frame: Any) -> tuple[dict[int, str], dict[int, str], list[Any]]:
    """Names the cell gave to tensors and to the grad_fn nodes that made them (by identity).

    The third item keeps those grad_fn objects alive: torch hands out a Python wrapper per node that
    lives only while referenced, so a dropped wrapper's id can be reused by the next one (torch 2.1 and
    2.4 named the wrong nodes that way), and the walk must meet the same wrappers to match ids.
    """
    import torch

    tensors: dict[int, str] = {}
    nodes: dict[int, str] = {}
    keep: list[Any] = []
    scope = {**frame.f_globals, **frame.f_locals} if frame is not None else {}
    modules = []
    for name, value in scope.items():
        if name.startswith("_"):
            continue
        if isinstance(value, torch.Tensor):
            tensors.setdefault(id(value), name)
            grad_fn = value.grad_fn
            if grad_fn is not None:
                keep.append(grad_fn)
                nodes.setdefault(id(grad_fn), name)
        elif isinstance(value, torch.nn.Module):
            modules.append((name, value))
    for name, module in modules:  # parameters get dotted names: model.conv1.weight
        for pname, param in module.named_parameters():
            tensors.setdefault(id(param), f"{name}.{pname}")
    return tensors, nodes, keep


class Show:
    """The ``show`` object of a cell namespace: ``show.plot``, ``hist``, ``image``, ``heatmap``, ``graph``."""

    def __init__(self, emit: Callable[[dict[str, Any]], None]) -> None:
        self._emit = emit  # set by the worker: sends a display message for the running cell
        self._sent = 0

    def new_cell(self) -> None:
        self._sent = 0

    # --- the API ---------------------------------------------------------------------------------

    def plot(
        self,
        *data: Any,
        labels: str | Sequence[str] | None = None,
        title: str = "",
        xlabel: str = "",
        ylabel: str = "",
    ) -> None:
        """Line plot: ``show.plot(y)``, or ``show.plot(x, y1, y2, ...)`` with one line per y.

        A 2-d y adds one line per row. ``labels`` names the lines (a legend).
        """
        import torch

        if not data:
            raise TypeError("show.plot needs values: show.plot(y) or show.plot(x, y1, y2, ...)")
        x = _f64(_tensor(data[0], "plot")).flatten() if len(data) > 1 else None
        ys = []
        for item in data[1:] if x is not None else data:
            y = _f64(_tensor(item, "plot"))
            if y.dim() > 2:
                raise ValueError(
                    f"show.plot: a y of shape {tuple(y.shape)}; pass 1-d values (or 2-d: one line per row)"
                )
            ys.extend(y.reshape(-1, y.shape[-1]) if y.dim() == 2 else [y.flatten()])
        notes: list[str] = []
        names = _labels(labels, len(ys), "plot")
        if len(ys) > caps.MAX_SERIES:
            notes.append(f"only the first {caps.MAX_SERIES} of {len(ys)} lines are drawn")
            ys, names = ys[: caps.MAX_SERIES], names[: caps.MAX_SERIES]
        lines = []
        for index, y in enumerate(ys):
            xs = x if x is not None else torch.arange(len(y), dtype=torch.float64)
            if len(xs) != len(y):
                which = f"line {index + 1}" if len(ys) > 1 else "y"
                raise ValueError(f"show.plot: x has {len(xs)} values but {which} has {len(y)}")
            keep = torch.isfinite(xs) & torch.isfinite(y)
            if not keep.all():
                notes.append(caps.note_nonfinite(int((~keep).sum()), "points"))
                xs, y = xs[keep], y[keep]
            lines.append((xs, y))
        total = sum(len(y) for _, y in lines)
        step = caps.thin_step(total)
        while sum(-(-len(y) // step) for _, y in lines) > caps.MAX_POINTS:  # each line rounds up
            step += 1
        if step > 1:
            lines = [(xs[::step], y[::step]) for xs, y in lines]
            notes.append(caps.note_thinned(total, sum(len(y) for _, y in lines), step))
        series = [
            Series(label=name, x=_rounded(xs, 6), y=_rounded(y, 6))
            for name, (xs, y) in zip(names, lines, strict=True)
        ]
        self._send(
            Plot(
                series=series, title=str(title), xlabel=str(xlabel), ylabel=str(ylabel), notes=notes
            )
        )

    def hist(
        self,
        *data: Any,
        bins: int = 30,
        range: tuple[float, float] | None = None,  # noqa: A002 - numpy's and torch's name
        labels: str | Sequence[str] | None = None,
        title: str = "",
    ) -> None:
        """Histogram of the values of each argument, over shared bins (``range=(lo, hi)`` fixes them)."""
        import torch

        if not data:
            raise TypeError("show.hist needs values: show.hist(t) or show.hist(t1, t2, ...)")
        if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
            raise ValueError(f"show.hist: bins must be a positive whole number, not {bins!r}")
        notes: list[str] = []
        if bins > caps.MAX_BINS:
            notes.append(f"{bins} bins reduced to {caps.MAX_BINS}")
            bins = caps.MAX_BINS
        sets = [_f64(_tensor(item, "hist")).flatten() for item in data]
        names = _labels(labels, len(sets), "hist")
        if len(sets) > caps.MAX_SERIES:
            notes.append(f"only the first {caps.MAX_SERIES} of {len(sets)} data sets are drawn")
            sets, names = sets[: caps.MAX_SERIES], names[: caps.MAX_SERIES]
        for index, values in enumerate(sets):
            keep = torch.isfinite(values)
            if not keep.all():
                notes.append(caps.note_nonfinite(int((~keep).sum())))
                sets[index] = values[keep]
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
            if not lo < hi:
                raise ValueError(
                    f"show.hist: range must be (low, high) with low < high, not {range!r}"
                )
        else:
            present = [values for values in sets if values.numel()]
            lo = min((v.min().item() for v in present), default=0.0)
            hi = max((v.max().item() for v in present), default=1.0)
        if lo == hi:  # one repeated value: a bin around it
            lo, hi = lo - 0.5, hi + 0.5
        series = []
        for name, values in zip(names, sets, strict=True):
            counts = (
                torch.histc(values, bins=bins, min=lo, max=hi)
                if values.numel()
                else torch.zeros(bins)
            )
            outside = values.numel() - int(counts.sum())
            if outside:
                notes.append(
                    f"{outside:,} value(s) of {name or 'the data'} outside [{lo:g}, {hi:g}] not counted"
                )
            n = values.numel()
            series.append(HistSeries(
                label=name, counts=[int(c) for c in counts.tolist()], total=n,
                mean=values.mean().item() if n else 0.0,
                std=values.std(correction=0).item() if n else 0.0,
                min=values.min().item() if n else 0.0,
                max=values.max().item() if n else 0.0,
            ))  # fmt: skip
        edges = _rounded(torch.linspace(lo, hi, bins + 1, dtype=torch.float64), 8)
        self._send(Hist(edges=edges, series=series, title=str(title), notes=notes))

    def image(
        self,
        data: Any,
        *,
        title: str = "",
        labels: Sequence[str] | None = None,
        vmin: float | None = None,
        vmax: float | None = None,
        each: bool = False,
    ) -> None:
        """One image (H, W), a batch (N, H, W) or (N, C, H, W) with C = 1 or 3, drawn as a grid.

        ``vmin``/``vmax`` (default: the data's range) are drawn black and white, the same for every
        image so their brightness compares; ``each=True`` stretches each image to its own range.
        """
        t = _tensor(data, "image")
        shape = list(t.shape)
        if t.dim() == 2:
            t = t[None, None]
        elif t.dim() == 3:
            t = t[:, None]
        elif t.dim() != 4 or t.shape[1] not in (1, 3):
            hint = (
                " (for the C maps of one image, pass t[0]: shape (C, H, W))" if t.dim() == 4 else ""
            )
            raise ValueError(
                f"show.image: shape {tuple(shape)} is not an image; expected (H, W), (N, H, W) or "
                f"(N, C, H, W) with C = 1 or 3{hint}"
            )
        notes: list[str] = []
        if t.shape[0] > caps.MAX_IMAGES:
            notes.append(caps.note_first_images(caps.MAX_IMAGES, t.shape[0]))
            t = t[: caps.MAX_IMAGES]
        t = _fit(_f64(t), notes)
        if each:
            t = _stretch_each(t, notes)
        lo, hi = _range(t)
        lo = lo if vmin is None else float(vmin)
        hi = hi if vmax is None else float(vmax)
        t = _nonfinite(t, lo, notes)
        names = [str(label) for label in labels][: t.shape[0]] if labels is not None else []
        self._send(Image(images=_rounded(t, 4), shape=shape, vmin=lo, vmax=hi, labels=names,
                         title=str(title), notes=notes))  # fmt: skip

    def heatmap(
        self,
        data: Any,
        *,
        title: str = "",
        xlabel: str = "",
        ylabel: str = "",
        vmin: float | None = None,
        vmax: float | None = None,
    ) -> None:
        """A matrix (or a vector, as one row) drawn cell by cell in colour."""
        t = _tensor(data, "heatmap")
        shape = list(t.shape)
        if t.dim() == 1:
            t = t[None]
        if t.dim() != 2:
            raise ValueError(
                f"show.heatmap: shape {tuple(shape)} is not a matrix; pick a 2-d slice, e.g. t[0]"
            )
        notes: list[str] = []
        t = _fit(_f64(t)[None, None], notes)[0, 0]
        lo, hi = _range(t)
        lo = lo if vmin is None else float(vmin)
        hi = hi if vmax is None else float(vmax)
        t = _nonfinite(t, lo, notes)
        self._send(Heatmap(values=_rounded(t, 4), shape=shape, vmin=lo, vmax=hi, xlabel=str(xlabel),
                           ylabel=str(ylabel), title=str(title), notes=notes))  # fmt: skip

    def graph(self, tensor: Any, *, title: str = "") -> None:
        """The autograd graph of ``tensor``: its ``grad_fn`` back to the leaves, as a tree."""
        import torch

        if not isinstance(tensor, torch.Tensor):
            raise TypeError(
                f"show.graph draws the autograd graph of a tensor, not a {type(tensor).__name__}"
            )
        tensor_names, node_names, _alive = _namespace_names(sys._getframe(1))
        var = tensor_names.get(id(tensor), "")
        notes: list[str] = []
        nodes: list[Node] = []
        root = None
        if tensor.grad_fn is not None:
            root = 0
            nodes = _walk(tensor.grad_fn, tensor_names, node_names, notes)
        elif tensor.requires_grad:
            nodes = [_leaf(0, tensor, var)]
            root = 0
            notes.append(
                f"{var or 'this tensor'} is a leaf: no grad_fn made it; backward() stores its gradient in .grad"
            )
        else:
            notes.append(
                f"{var or 'this tensor'} does not require grad, so autograd recorded no graph"
            )
        self._send(Graph(nodes=nodes, root=root, var=var, title=str(title), notes=notes))

    # --- plumbing ---------------------------------------------------------------------------------

    def _send(self, picture: Picture) -> None:
        if self._sent >= caps.MAX_PER_CELL:
            raise RuntimeError(f"show: at most {caps.MAX_PER_CELL} pictures per cell")
        message = encode(picture)
        decode(message)  # what the UI would refuse must fail here, in the learner's cell
        self._sent += 1
        self._emit(message)

    def __repr__(self) -> str:
        return (
            "<show: show.plot(x, y1, y2, labels=...), show.hist(t, bins=30), show.image(t), "
            "show.heatmap(t), show.graph(tensor)>"
        )


def _leaf(index: int, tensor: Any, var: str) -> Node:
    return Node(
        id=index, name="AccumulateGrad", var=var, leaf=True, shape=list(tensor.shape),
        dtype=str(tensor.dtype).removeprefix("torch."), requires_grad=bool(tensor.requires_grad),
    )  # fmt: skip


def _walk(
    root: Any, tensor_names: dict[int, str], node_names: dict[int, str], notes: list[str]
) -> list[Node]:
    """Breadth first from ``root``; each autograd node once, however many edges lead to it."""
    index = {id(root): 0}
    order = [root]  # holds the node objects, so no id() is reused while we walk
    nodes: list[Node] = []
    cut = False
    for position, fn in enumerate(order):
        children = []
        for child, _ in getattr(fn, "next_functions", ()):
            if child is None:  # an input that does not require grad
                continue
            if id(child) not in index:
                if len(order) >= caps.MAX_GRAPH_NODES:
                    cut = True
                    continue
                index[id(child)] = len(order)
                order.append(child)
            children.append(index[id(child)])
        variable = getattr(fn, "variable", None)
        if type(fn).__name__ == "AccumulateGrad" and variable is not None:
            node = _leaf(position, variable, tensor_names.get(id(variable), ""))
        else:
            node = Node(id=position, name=type(fn).__name__, var=node_names.get(id(fn), ""))
        node.children = children
        nodes.append(node)
    if cut:
        notes.append(caps.note_graph_cut())
    return nodes
