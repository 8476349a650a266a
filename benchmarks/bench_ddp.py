"""DDP benchmark: `torch-tutor train` on 1 and on N processes, same global batch and steps.

Runs, one after another, each a real `torch-tutor train --json` (the worker, its ranks, gloo on
127.0.0.1 or NCCL on GPUs), and prints a table: processes, threads per process, the step used,
samples/s (training only, all processes together), training time, test accuracy.

- 1 process, hand-written step: the default one-process run (tutor.training.steps' CNNStep/FCNStep);
- 1 process, autograd: the notes' own class from a file (--model file.py), so autograd's step;
- N processes (--ddp N): autograd's step under DDP (the hand-written steps are one-process only).

Data: --data DIR (default ../shared/data/mnist: the bundled 5,000 training digits, tested on the
real t10k set). The machine's load is printed before each run (os.getloadavg): other sessions on a
shared machine change every figure here.

    .venv/bin/python benchmarks/bench_ddp.py [--model cnn] [--steps 938] [--processes 2]
                                             [--threads 1] [--device cpu] [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the notes' own classes (tests/notes_nets.py)
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"

from notes_nets import NOTES_SOURCES  # noqa: E402 (after sys.path)


def train(args: list[str], home: str) -> dict:
    env = {**os.environ, "TORCH_TUTOR_HOME": home}
    command = [sys.executable, "-m", "tutor", "train", "--json", "--no-checkpoint", *args]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=3600, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"train {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {"start": events[0], "done": events[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="cnn", choices=("cnn", "fcn"))
    parser.add_argument("--steps", type=int, default=938)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--data", default=str(SHARED_MNIST))
    opts = parser.parse_args()

    common = ["--steps", str(opts.steps), "--device", opts.device, "--data", opts.data]
    with tempfile.TemporaryDirectory(prefix="bench-ddp-") as tmp:
        notes = Path(tmp) / f"notes_{opts.model}.py"
        notes.write_text(NOTES_SOURCES[opts.model])
        runs = [
            ("1", "hand-written", ["--model", opts.model, "--threads", str(opts.threads)]),
            ("1", "autograd", ["--model", str(notes), "--threads", str(opts.threads)]),
            (
                str(opts.processes),
                "autograd + DDP",
                [
                    "--model",
                    opts.model,
                    "--threads",
                    str(opts.threads),
                    "--ddp",
                    str(opts.processes),
                ],
            ),
        ]
        rows = []
        for processes, step, args in runs:
            load = " ".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"running: {processes} process(es), {step} (load average {load})", flush=True)
            result = train(common + args, tmp)
            rows.append((processes, step, result, load))

    start = rows[0][2]["start"]
    print(
        f"\n{opts.model}, {opts.steps} steps of a global batch of 64 on {start['device']}; "
        f"{start['split']}"
    )
    print(
        f"{'processes':>9} {'threads each':>12}  {'step':<15} {'samples/s':>10} {'train s':>8} "
        f"{'test acc':>9}  load before"
    )
    for processes, step, result, load in rows:
        s, d = result["start"], result["done"]
        print(
            f"{processes:>9} {s['threads']:>12}  {step:<15} {d['samples_per_s']:>10,.0f} "
            f"{d['train_time']:>8.1f} {d['test_acc']:>9.2%}  {load}"
        )


if __name__ == "__main__":
    main()
