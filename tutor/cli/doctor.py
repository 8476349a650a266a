"""Provides `torch-tutor doctor`: versions, accelerators, the device cells will use, and where files live."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys

from tutor import __version__, paths
from tutor.cli.common import add_device, add_lessons, console, escape

# Runs where cells run (the interpreter's worker), so it reports what a cell will see.
PROBE = r"""
import json as _j, importlib.metadata as _md
import torch as _t
def _v(name):
    try:
        return _md.version(name)
    except Exception:
        return None
def _safe(f, default=None):
    try:
        return f()
    except Exception as e:
        return default if default is not None else f"error: {e}"
_mps = getattr(_t.backends, "mps", None)
_cuda = _safe(_t.cuda.is_available, False)
print("TORCH_TUTOR_DOCTOR " + _j.dumps({
    "torch": _t.__version__, "torchvision": _v("torchvision"), "cuda_build": _t.version.cuda,
    "cuda_available": bool(_cuda), "cuda_devices": [_t.cuda.get_device_name(i) for i in range(_t.cuda.device_count())] if _cuda else [],
    "mps_built": bool(_mps and _safe(_mps.is_built, False)), "mps_available": bool(_mps and _safe(_mps.is_available, False)),
    "threads": _t.get_num_threads(),
}))
del _j, _md, _t, _v, _safe, _mps, _cuda
"""

# Only used when the interpreter cannot be reached: the worker's own device choice, in a subprocess.
_FALLBACK_DEVICE = r"""
import json
from tutor.interpreter.device import detect
info = detect({device!r})[1]
info["note"] = "; ".join(filter(None, [info["note"], "from a plain subprocess, not the interpreter"]))
print("TORCH_TUTOR_DEVICE " + json.dumps(info))
"""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check the install: versions, CUDA/MPS, the device, where files live",
        description="Check the install: Python, torch, torchvision and textual versions; CUDA and "
        "MPS; the device the tutor picks and its name (asked of the sandboxed interpreter, so it "
        "is what cells see); where lessons, progress and data live. Exit code 1 on any problem.",
    )
    add_device(
        parser,
        help="ask about DEV (cpu, cuda, cuda:1, mps) as cells would use it; "
        "default: cuda, then mps, then cpu",
    )
    add_lessons(parser)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def _version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _tagged(text: str, tag: str) -> dict | None:
    for line in text.splitlines():
        if line.startswith(tag + " "):
            return json.loads(line[len(tag) + 1 :])
    return None


async def _ask_interpreter(device: str | None) -> tuple[dict, dict]:
    from tutor.interpreter import Interpreter

    interp = Interpreter(device=device, spare=False)
    try:
        info = await interp.start()
        result = await interp.execute(PROBE, timeout=120)
        probe = _tagged(result.output, "TORCH_TUTOR_DOCTOR")
        if probe is None:
            raise RuntimeError(
                f"probe failed: {result.status} {result.error_type}: {result.error_message}"
            )
        dev = {
            "kind": info.kind,
            "name": info.name,
            "label": info.label,
            "torch_version": info.torch_version,
            "note": info.note,
        }
        return dev, probe
    finally:
        await interp.shutdown()


def _ask_subprocess(device: str | None) -> tuple[dict, dict]:
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-c", PROBE + "\n" + _FALLBACK_DEVICE.format(device=device)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    probe, dev = (
        _tagged(proc.stdout, "TORCH_TUTOR_DOCTOR"),
        _tagged(proc.stdout, "TORCH_TUTOR_DEVICE"),
    )
    if probe is None or dev is None:
        raise RuntimeError((proc.stderr.strip().splitlines() or ["no output"])[-1])
    return dev, probe


def gather(device: str | None, extra_dirs) -> tuple[dict, list[str]]:
    problems: list[str] = []
    report: dict = {
        "torch-tutor": __version__,
        "python": f"{platform.python_version()} ({sys.executable})",
        "textual": _version("textual"),
        "rich": _version("rich"),
    }
    if report["textual"] is None:
        problems.append("textual is not installed")
    import asyncio

    try:
        dev, probe = asyncio.run(_ask_interpreter(device))
        report["asked"] = "the sandboxed interpreter"
    except Exception as exc:  # an install check reports; it never crashes
        report["interpreter_error"] = f"{type(exc).__name__}: {exc}"
        problems.append(f"the interpreter did not start: {type(exc).__name__}: {exc}")
        try:
            dev, probe = _ask_subprocess(device)
            report["asked"] = "a plain Python subprocess"
        except Exception as exc2:
            dev, probe = {}, {}
            problems.append(f"torch could not be imported: {exc2}")
    report["torch"] = probe.get("torch")
    report["torchvision"] = probe.get("torchvision")
    if probe and not probe.get("torchvision"):
        problems.append("torchvision is not installed")
    report["cuda"] = {
        "built_for": probe.get("cuda_build"),
        "available": probe.get("cuda_available"),
        "devices": probe.get("cuda_devices", []),
    }
    report["mps"] = {"built": probe.get("mps_built"), "available": probe.get("mps_available")}
    report["torch_threads"] = probe.get("threads")
    report["device"] = dev
    if dev.get("note"):
        report["device_note"] = dev["note"]
        if device:
            problems.append(f"--device {device}: {dev['note']}")

    from tutor.lessons.loader import load_catalog

    catalog = load_catalog(extra_dirs)
    report["lessons"] = {
        "builtin": str(paths.builtin_lessons_dir()),
        "user": str(paths.user_lessons_dir()),
        "env": [str(p) for p in paths.env_lesson_dirs()],
        "extra": [str(p) for p in extra_dirs],
        "loaded": len(catalog.lessons),
        "problems": len(catalog.errors),
    }
    if catalog.errors:
        problems.append(f"{len(catalog.errors)} lesson file problem(s): run `torch-tutor lint`")
    report["files"] = {
        "TORCH_TUTOR_HOME": os.environ.get(paths.HOME_ENV) or None,
        "config": str(paths.config_dir()),
        "progress": str(paths.progress_file()),
        "data": str(paths.data_dir()),
        "checkpoints": str(paths.checkpoints_dir()),
        "cache": str(paths.cache_dir()),
        "mnist_cache": str(paths.mnist_cache_dir()),
    }
    return report, problems


def run(args: argparse.Namespace) -> int:
    extra = list(args.lessons)
    out = console()
    with (
        contextlib.nullcontext()
        if args.json
        else out.status("asking the interpreter (it imports torch)...")
    ):
        report, problems = gather(args.device, extra)
    report["problems"] = problems
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 1 if problems else 0
    _print(out, report)
    return 1 if problems else 0


def _yes(value) -> str:
    return {True: "[green]yes[/]", False: "[dim]no[/]", None: "[red]unknown[/]"}[value]


def _print(out, r: dict) -> None:
    rows: list[tuple[str, str, bool]] = []  # label, Rich markup, whether the value is a path

    def row(label: str, value: str, *, path: bool = False) -> None:
        rows.append((label, value, path))

    row("torch-tutor", r["torch-tutor"])
    row("Python", escape(r["python"]))
    for name in ("torch", "torchvision", "textual", "rich"):
        row(name, escape(r[name]) if r[name] else "[red]missing[/]")
    cuda = r["cuda"]
    devices = ", ".join(cuda["devices"]) if cuda["devices"] else ""
    row(
        "CUDA",
        f"{_yes(cuda['available'])}  [dim]build: {escape(cuda['built_for'] or 'none')}[/] {escape(devices)}",
    )
    row("MPS", f"{_yes(r['mps']['available'])}  [dim]built: {r['mps']['built']}[/]")
    dev = r["device"]
    row(
        "device",
        f"[bold cyan]{escape(dev.get('label', '?'))}[/]  [dim](asked {escape(r.get('asked', 'nobody'))})[/]",
    )
    if r.get("device_note"):
        row("", f"[yellow]{escape(r['device_note'])}[/]")
    row("torch threads", str(r["torch_threads"]))
    les = r["lessons"]
    row("built-in lessons", escape(les["builtin"]), path=True)
    row("user lessons", escape(les["user"]), path=True)
    for p in les["env"]:
        row("TORCH_TUTOR_LESSONS", escape(p), path=True)
    for p in les["extra"]:
        row("--lessons", escape(p), path=True)
    row("lessons", f"{les['loaded']} loaded, {les['problems']} problem(s)")
    files = r["files"]
    if files["TORCH_TUTOR_HOME"]:
        row("TORCH_TUTOR_HOME", escape(files["TORCH_TUTOR_HOME"]), path=True)
    for key in ("progress", "data", "checkpoints", "cache", "mnist_cache", "config"):
        row(key.replace("_", " "), escape(files[key]), path=True)
    _print_rows(out, rows)
    if r["problems"]:
        for p in r["problems"]:
            out.print(f"[red]✗[/] {escape(p)}")
    else:
        out.print("[green]✓ everything looks fine[/]")


def _print_rows(out, rows: list[tuple[str, str, bool]]) -> None:
    """Labels in one column and values beside them; a path too long for its cell goes whole on
    a line of its own below its label, so it is never split mid-name and copies in one piece."""
    from rich.table import Table
    from rich.text import Text

    label_width = max(len(label) for label, _value, _path in rows)
    room = out.width - label_width - 2
    grid = None
    for label, value, path in rows:
        if path and Text.from_markup(value).cell_len > room:
            if grid is not None:
                out.print(grid)
                grid = None
            out.print(f"[bold]{label}[/]")
            out.print(f"  {value}", soft_wrap=True)  # the terminal may wrap it; we never cut it
            continue
        if grid is None:
            grid = Table.grid(padding=(0, 2))
            grid.add_column(style="bold", width=label_width)
            grid.add_column(overflow="fold")
        grid.add_row(label, value)
    if grid is not None:
        out.print(grid)
