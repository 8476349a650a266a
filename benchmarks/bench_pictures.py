"""Times `show` (worker side), the message size and the UI-side work per picture; prints a table.

Run: .venv/bin/python benchmarks/bench_pictures.py. Best of 5 runs; the machine may be shared.
In-process (no worker): the protocol adds one JSON encode/decode, measured in its own column.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import torch

from tutor.interpreter.show import Show
from tutor.pictures import decode, describe, raster, render_text
from tutor.pictures.schema import Image


def _cnn_loss(show: Show) -> None:
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 10, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(10, 20, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(320, 10),
    )  # fmt: skip
    loss = torch.nn.functional.cross_entropy(net(torch.rand(4, 1, 28, 28)), torch.zeros(4, dtype=torch.long))
    show.graph(loss)


CASES: list[tuple[str, Callable[[Show], None]]] = [
    ("image 1×28×28", lambda s: s.image(torch.rand(28, 28))),
    ("image 16×28×28", lambda s: s.image(torch.rand(16, 28, 28))),
    ("image 16×64×64", lambda s: s.image(torch.rand(16, 64, 64))),
    ("image 64×512×512 (capped)", lambda s: s.image(torch.rand(64, 512, 512))),
    ("plot 3×100k (thinned)", lambda s: s.plot(torch.randn(3, 100_000))),
    ("hist 2×1M values", lambda s: s.hist(torch.rand(1_000_000), torch.randn(1_000_000), bins=40)),
    ("heatmap 512×512 (capped)", lambda s: s.heatmap(torch.randn(512, 512))),
    ("CNN forward + graph", _cnn_loss),
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
    print(f"{'picture':<28} {'show ms':>8} {'JSON KiB':>9} {'json ms':>8} {'decode ms':>10} {'describe ms':>12} {'cells ms':>9}")
    for name, case in CASES:
        def call(case=case) -> None:
            sent.clear()
            show.new_cell()
            case(show)

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
        print(f"{name:<28} {shown:8.1f} {len(text) / 1024:9.1f} {encoded:8.1f} {decoded:10.2f} {described:12.2f} {cells}")
    print("cells: the half-block grid at 100 columns (images) or the plain-text drawing (others)")


if __name__ == "__main__":
    main()
