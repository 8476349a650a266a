"""Provides `torch-tutor data`: where the MNIST data comes from (`info`) and filling the user cache (`download`)."""

from __future__ import annotations

import argparse
import contextlib
import io

from tutor.cli.common import console, escape


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "data",
        help="show or download the MNIST data used for training",
        description="MNIST data for `torch-tutor train` and the training screen. Exit code 1 on any problem.",
    )
    sub = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    info = sub.add_parser(
        "info",
        help="which data training would use, and the train/test split",
        description="Show which source training would use (--data DIR, else the user cache, else the "
        "bundled sample), the files found and the train/test split.",
    )
    info.add_argument("--data", metavar="DIR", help="look in DIR as `train --data DIR` would")
    download = sub.add_parser(
        "download",
        help="download MNIST into the user cache through torchvision",
        description="Download the four MNIST files into the user cache with torchvision. Without a "
        "network, or when the mirrors refuse (HTTP 403 is common), this says what else to do.",
    )
    download.add_argument(
        "--mirror",
        action="append",
        metavar="URL",
        help="try this base URL instead of torchvision's mirrors (repeatable)",
    )


def run(args: argparse.Namespace) -> int:
    return _download(args) if args.data_command == "download" else _info(args)


def _info(args: argparse.Namespace) -> int:
    from tutor import paths
    from tutor.training.sources import SAMPLE_CREDIT, SAMPLE_DIR, DataError, find_files, load_plan

    out = console()
    cache = paths.mnist_cache_dir()
    try:
        plan = load_plan(args.data)
    except DataError as exc:
        console(stderr=True).print(f"[red]torch-tutor data:[/] {escape(exc)}")
        return 1
    out.print(f"[bold]source:[/] {escape(plan.source)}")
    out.print(f"[bold]split:[/] {escape(plan.split)}")
    for label, folder in (("--data", args.data), ("cache", cache)):
        if folder is None:
            continue
        found = find_files(folder)
        listed = ", ".join(
            f"{split}: {images.name} + {labels.name}" for split, (images, labels) in found.items()
        )
        out.print(f"{label} {escape(folder)}: {escape(listed) or 'no MNIST files'}")
    out.print(f"bundled sample: {escape(SAMPLE_DIR)} (5,000 digits; {SAMPLE_CREDIT})")
    return 0


def _download(args: argparse.Namespace) -> int:
    from tutor import paths
    from tutor.training.sources import find_files

    out, err = console(), console(stderr=True)
    root = paths.mnist_cache_dir()
    found = find_files(root) if root.is_dir() else {}
    if "train" in found and "test" in found:
        out.print(f"MNIST is already in {escape(root)}")
        return 0
    out.print(f"downloading MNIST into {escape(root)} ...")
    from torchvision.datasets import MNIST

    if args.mirror:
        MNIST.mirrors = [m if m.endswith("/") else m + "/" for m in args.mirror]
    chatter = io.StringIO()  # torchvision prints each failed mirror; keep it for the message
    try:
        with contextlib.redirect_stdout(chatter), contextlib.redirect_stderr(chatter):
            MNIST(str(root), train=True, download=True)
            MNIST(str(root), train=False, download=True)
    except Exception as exc:  # noqa: BLE001 - URLError, HTTPError, RuntimeError, OSError all mean "not here"
        reason = str(exc).strip() or type(exc).__name__
        err.print(
            f"[red]torch-tutor data download: MNIST could not be downloaded.[/]\n{escape(reason)}\n\n"
            "What you can do:\n"
            "  • try again later: the MNIST mirrors often refuse with HTTP 403 for a while;\n"
            "  • get the four files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,\n"
            "    t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) another way and either copy them into\n"
            f"    {escape(root / 'MNIST' / 'raw')} or pass their folder with `torch-tutor train --data DIR`;\n"
            "  • or just train: without MNIST the tutor uses its bundled sample of 5,000 real digits."
        )
        return 1
    found = find_files(root)
    out.print(f"[green]done:[/] {', '.join(found)} sets in {escape(root)}")
    return 0
