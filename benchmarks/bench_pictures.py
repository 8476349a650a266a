"""Times `show` (worker side), the message size and the UI-side work per picture; prints a table.

Run: .venv/bin/python benchmarks/bench_pictures.py. Best of 5 runs; the machine may be shared.
In-process (no worker): the protocol adds one JSON encode/decode, measured in its own column.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import torch

from tutor.interpreter.show import Show
from tutor.pictures import decode, describe, raster, render_text
from tutor.pictures.schema import Image


def _cnn_loss() -> torch.Tensor:
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 10, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(10, 20, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(320, 10),
    )  # fmt: skip
    return torch.nn.functional.cross_entropy(
        net(torch.rand(4, 1, 28, 28)), torch.zeros(4, dtype=torch.long)
    )


# (name, the data, made once, and the show call timed on it)
CASES: list[tuple[str, Callable[[], Any], Callable[[Show, Any], None]]] = [
    ("image 1×28×28", lambda: torch.rand(28, 28), lambda s, d: s.image(d)),
    ("image 16×28×28", lambda: torch.rand(16, 28, 28), lambda s, d: s.image(d)),
    ("image 16×64×64", lambda: torch.rand(16, 64, 64), lambda s, d: s.image(d)),
    ("image 64×512×512 (capped)", lambda: torch.rand(64, 512, 512), lambda s, d: s.image(d)),
    ("plot 3×100k (thinned)", lambda: torch.randn(3, 100_000), lambda s, d: s.plot(d)),
    (
        "hist 2×1M values",
        lambda: (torch.rand(1_000_000), torch.randn(1_000_000)),
        lambda s, d: s.hist(*d, bins=40),
    ),
    ("heatmap 512×512 (capped)", lambda: torch.randn(512, 512), lambda s, d: s.heatmap(d)),
    ("graph of a CNN loss", _cnn_loss, lambda s, d: s.graph(d)),
]


def best(fn: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def main() -> None:
    sent: list[dict] = []
    show = Show(sent.append)
    print(
        f"{'picture':<28} {'show ms':>8} {'JSON KiB':>9} {'json ms':>8} {'decode ms':>10} {'describe ms':>12} {'cells ms':>9}"
    )
    for name, make, draw in CASES:
        data = make()

        def call(draw=draw, data=data) -> None:
            sent.clear()
            show.new_cell()
            draw(show, data)

        shown = best(call)
        message = sent[-1]
        text = json.dumps(message)
        encoded = best(lambda m=message: json.loads(json.dumps(m)))
        decoded = best(lambda m=message: decode(m))
        described = best(lambda m=message: describe(m))
        picture = decode(message)
        if isinstance(picture, Image):
            cells = f"{best(lambda p=picture: raster.grid_lines(p, 100, 'rgb')):9.1f}"
        else:
            cells = f"{best(lambda m=message: render_text(m, 100, 16)):9.1f}"
        print(
            f"{name:<28} {shown:8.1f} {len(text) / 1024:9.1f} {encoded:8.1f} {decoded:10.2f} {described:12.2f} {cells}"
        )
    print("cells: the half-block grid at 100 columns (images) or the plain-text drawing (others)")


if __name__ == "__main__":
    main()
