"""Provides the GPU check: every CUDA path of torch-tutor run once, in one go, into report.json and report.txt.

Run by ``scripts/gpu_check.sh OUTDIR`` (which installs the wheels the GPU image lacks first), or
directly: ``python scripts/gpu_check.py OUTDIR [--quick] [--budget SECONDS]``. On a machine without
CUDA it runs too: the CUDA-only steps are reported as skipped and the rest runs on the CPU
(``--quick`` shortens training and checks one lesson, for CI). Exit code 0 when no step failed.

Each step runs in its own subprocess or interpreter with a timeout, so one hang cannot eat the whole
lease; the report is rewritten after every step, so a run cut short still leaves what it found.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@dataclass
class Step:
    name: str
    status: str = "ok"  # ok | fail | skipped
    seconds: float = 0.0
    facts: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    note: str = ""
    output_tail: str = ""


class Report:
    """The steps so far, written out after each one."""

    def __init__(self, out: Path, cuda: bool, quick: bool) -> None:
        self.out, self.cuda, self.quick = out, cuda, quick
        self.started = time.time()
        self.steps: list[Step] = []
        self.machine: dict[str, Any] = {}

    def add(self, step: Step) -> None:
        self.steps.append(step)
        self.write()
        mark = {"ok": "ok  ", "fail": "FAIL", "skipped": "skip"}[step.status]
        print(
            f"[{mark}] {step.name} ({step.seconds:.1f} s){': ' + step.note if step.note else ''}",
            flush=True,
        )
        for problem in step.problems:
            print(f"       - {problem}", flush=True)

    def summary(self) -> dict[str, int]:
        counts = {"ok": 0, "fail": 0, "skipped": 0}
        for step in self.steps:
            counts[step.status] += 1
        return counts

    def write(self) -> None:
        data = {
            "machine": self.machine,
            "cuda": self.cuda,
            "quick": self.quick,
            "started": time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(self.started)),
            "seconds": round(time.time() - self.started, 1),
            "summary": self.summary(),
            "steps": [asdict(s) for s in self.steps],
        }
        (self.out / "report.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        (self.out / "report.txt").write_text(render_text(data))


def render_text(data: dict[str, Any]) -> str:
    """A readable report: the machine, one block per step, a summary line."""
    lines = ["torch-tutor GPU check", "=" * 21]
    lines += [f"{key}: {value}" for key, value in data["machine"].items()]
    lines.append(
        f"started {data['started']}, {data['seconds']} s, cuda: {data['cuda']}, quick: {data['quick']}"
    )
    lines.append("")
    for step in data["steps"]:
        lines.append(f"[{step['status']}] {step['name']}  ({step['seconds']:.1f} s)")
        if step["note"]:
            lines.append(f"    {step['note']}")
        for key, value in step["facts"].items():
            lines.append(f"    {key}: {value}")
        for problem in step["problems"]:
            lines.append(f"    PROBLEM: {problem}")
        lines.append("")
    counts = data["summary"]
    lines.append(
        f"summary: {counts['ok']} ok, {counts['fail']} failed, {counts['skipped']} skipped"
    )
    return "\n".join(lines) + "\n"


def tutor_command(*words: str) -> list[str]:
    return [sys.executable, "-m", "tutor", *words]


def run(cmd: list[str], timeout: float, **kw: Any) -> tuple[int | None, str, str]:
    """Run ``cmd``; (exit code or None on timeout, stdout, stderr). The process group dies on timeout."""
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,
        **kw,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out, err
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        out, err = proc.communicate()
        return None, out, err


def timed(
    report: Report, name: str, body: Callable[[Step], None], *, needs_cuda: bool = False
) -> None:
    step = Step(name)
    if needs_cuda and not report.cuda:
        step.status, step.note = "skipped", "needs CUDA; this machine has none"
        report.add(step)
        return
    start = time.perf_counter()
    try:
        body(step)
    except Exception as exc:  # a broken step is a finding, not the end of the check
        step.problems.append(f"the step itself raised {type(exc).__name__}: {exc}")
        step.output_tail = traceback.format_exc()[-2000:]
    step.seconds = time.perf_counter() - start
    if step.problems and step.status == "ok":
        step.status = "fail"
    report.add(step)


def machine_facts() -> dict[str, Any]:
    """torch's own view, from a plain subprocess (the report's header)."""
    code = (
        "import json, torch, platform\n"
        "d = {'python': platform.python_version(), 'torch': torch.__version__,\n"
        "     'cuda_available': torch.cuda.is_available(), 'cuda_built': torch.version.cuda}\n"
        "if torch.cuda.is_available():\n"
        "    p = torch.cuda.get_device_properties(0)\n"
        "    d.update(gpu=p.name, gpu_memory_gib=round(p.total_memory / 2**30, 1),\n"
        "             gpus=torch.cuda.device_count(), capability='%d.%d' % (p.major, p.minor))\n"
        "print(json.dumps(d))\n"
    )
    code_rc, out, err = run([sys.executable, "-c", code], 120)
    facts = json.loads(out) if code_rc == 0 else {"error": err[-500:]}
    facts.update(host=platform.node(), cpus=os.cpu_count(), date=time.strftime("%Y-%m-%d"))
    return facts


def step_doctor(report: Report) -> Callable[[Step], None]:
    def body(step: Step) -> None:
        rc, out, err = run(tutor_command("doctor", "--json"), 180)
        if rc != 0:
            step.problems.append(f"doctor exited {rc}: {err[-500:]}")
            return
        doc = json.loads(out)
        device = doc.get("device") or {}
        step.facts.update(
            device=device.get("label"),
            kind=device.get("kind"),
            interpreter_error=doc.get("interpreter_error"),
            cuda=doc.get("cuda"),
        )
        if doc.get("interpreter_error"):
            step.problems.append(f"the interpreter did not start: {doc['interpreter_error'][:300]}")
        if report.cuda and device.get("kind") != "cuda":
            step.problems.append(f"CUDA is available but cells would run on {device.get('label')}")

    return body


def step_check(report: Report) -> Callable[[Step], None]:
    def body(step: Step) -> None:
        device = "cuda" if report.cuda else "cpu"
        paths = ["lessons/00-setup.toml"] if report.quick else ["lessons/"]
        rc, out, err = run(tutor_command("check", *paths, "--device", device, "--json"), 420)
        (report.out / "check.jsonl").write_text(out)
        records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        steps = [r for r in records if "lesson" in r and "step" in r]
        devices = [r["device"] for r in records if "device" in r]
        step.facts["cells ran on"] = devices[0] if devices else None
        passed = sum(1 for r in steps if r.get("passed") is True)
        failed = [r for r in steps if r.get("passed") is False]
        skipped = sum(1 for r in steps if r.get("passed") is None)
        step.facts.update(
            device=device,
            exit_code=rc,
            judged=len(steps),
            passed=passed,
            failed=len(failed),
            skipped=skipped,
        )
        for r in failed[:20]:
            step.problems.append(
                f"{r.get('lesson')} step {r.get('step')}: {str(r.get('reason'))[:200]}"
            )
        if rc != 0 and not failed:
            step.problems.append(f"check exited {rc}: {err[-500:]}")
        step.output_tail = err[-1500:]

    return body


# Hostile cells on the GPU: (name, code, what must be true of the result).
def step_hostile(report: Report) -> Callable[[Step], None]:
    def body(step: Step) -> None:
        from tutor.interpreter import SyncInterpreter

        with SyncInterpreter(device="cuda", default_timeout=60) as it:
            it.start()

            def cell(code: str, timeout: float = 60) -> Any:
                t = time.perf_counter()
                result = it.execute(code, timeout=timeout, namespace="gpu-check")
                return result, time.perf_counter() - t

            def alive(label: str) -> None:
                result, _ = cell("print(torch.ones(2, device='cuda').sum().item())")
                if result.output.strip() != "2.0":
                    step.problems.append(
                        f"after {label}: the next cell gave {result.status} {result.output!r}"
                    )

            # 1. one impossible allocation: a clean error, the same worker lives on
            generation = it.generation
            r, s = cell("torch.empty(10**12, device='cuda')")
            step.facts["huge allocation"] = (
                f"{r.status} {r.error_type}: {(r.error_message or '')[:120]} ({s:.2f} s)"
            )
            if r.status not in ("error", "limit") or it.generation != generation:
                step.problems.append(
                    f"torch.empty(10**12) gave {r.status}, worker replaced: {it.generation != generation}"
                )
            alive("a huge allocation")

            # 2. fill the GPU in a loop: contained; memory back after a restart
            r, s = cell(
                "xs = []\nwhile True:\n    xs.append(torch.empty(2**30, dtype=torch.uint8, device='cuda'))",
                timeout=120,
            )
            held, _ = cell("print(torch.cuda.memory_allocated() // 2**30)")
            step.facts["fill loop"] = (
                f"{r.status} {r.error_type} ({s:.2f} s); GiB held after: {held.output.strip()}"
            )
            if r.status not in ("error", "limit"):
                step.problems.append(f"the fill loop gave {r.status}")
            it.restart()
            free, _ = cell("f, t = torch.cuda.mem_get_info(); print(round(f / t, 3))")
            step.facts["free after restart"] = free.output.strip()
            try:
                if float(free.output.strip()) < 0.9:
                    step.problems.append(
                        f"only {free.output.strip()} of GPU memory free after a restart"
                    )
            except ValueError:
                step.problems.append(
                    f"memory query after restart gave {free.status}: {free.output!r}"
                )

            # 3. interrupting a long GPU loop (the timeout sends SIGINT, then kills after 2 s)
            r, s = cell(
                "a = torch.randn(4096, 4096, device='cuda')\nwhile True:\n    a = (a @ a).tanh_()\n",
                timeout=3,
            )
            step.facts["interrupt a GPU loop"] = f"{r.status} after {s:.2f} s (timeout 3 s)"
            if r.status not in ("timeout", "interrupted") or s > 8:
                step.problems.append(f"a 3 s timeout on a GPU loop gave {r.status} after {s:.1f} s")
            alive("an interrupted GPU loop")

            # 4. a crash inside a kernel: device-side assert; the context is lost, a restart must follow
            generation = it.generation
            r, s = cell(
                "i = torch.tensor([5], device='cuda')\nx = torch.arange(3, device='cuda')[i]\n"
                "torch.cuda.synchronize()\nprint(x)"
            )
            after, _ = cell("print(torch.ones(2, device='cuda').sum().item())")
            step.facts["device-side assert"] = (
                f"{r.status} {r.error_type}: {(r.error_message or '')[:160]} | detail {r.detail!r} | "
                f"worker replaced: {it.generation != generation} | next cell: {after.status} {after.output.strip()!r}"
            )
            if after.output.strip() != "2.0":
                step.problems.append(
                    "after a device-side assert the next cell did not run on a healthy context "
                    f"({after.status}: {(after.error_message or after.output)[:160]})"
                )

    return body


def step_bench_interpreter(report: Report) -> Callable[[Step], None]:
    def body(step: Step) -> None:
        rounds = "30" if report.quick else "200"
        rc, out, err = run(
            [sys.executable, "benchmarks/bench_interpreter.py", "--rounds", rounds], 300
        )
        step.output_tail = (out + err)[-3000:]
        summary = [line for line in out.splitlines() if line.startswith("bench_interpreter:")]
        machine = [line for line in out.splitlines() if line.startswith("machine:")]
        step.facts.update(
            summary=summary[0] if summary else None, machine=machine[0] if machine else None
        )
        if rc is None:
            step.problems.append("timed out")
        elif rc != 0:
            step.note = "some targets missed (see output_tail)"

    return body


def step_train(report: Report, model: str) -> Callable[[Step], None]:
    def body(step: Step) -> None:
        device = "cuda" if report.cuda else "cpu"
        steps = "30" if report.quick else "938"
        save = report.out / f"{model}.pt"
        t = time.perf_counter()
        rc, out, err = run(
            tutor_command(
                "train",
                "--model",
                model,
                "--steps",
                steps,
                "--device",
                device,
                "--json",
                "--save",
                str(save),
                "--no-checkpoint",
            ),
            300,
        )
        step.facts.update(device=device, steps=int(steps), wall_s=round(time.perf_counter() - t, 1))
        events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        done = [e for e in events if e.get("event") == "done"]
        if rc != 0 or not done:
            step.problems.append(f"train exited {rc}: {err[-600:]}")
            return
        result = done[-1]
        step.facts.update(
            test_acc=round(100 * result["test_acc"], 2),
            test_set=result.get("split"),
            samples_per_s=round(result["samples_per_s"]),
            train_time_s=round(result["train_time"], 2),
            eval_time_s=round(result["eval_time"], 3),
            trained_on=result.get("device"),
        )
        step.facts["notes_class_accuracy"] = notes_accuracy(save, model)

    return body


def notes_accuracy(path: Path, model: str) -> float:
    """The saved state_dict loaded (weights_only) into the notes' own class, scored on the test split."""
    import torch

    from tutor.training.loop import to_tensors
    from tutor.training.sources import load_plan

    sys.path.insert(0, str(ROOT / "tests"))  # the notes' own classes live with the tests
    from notes_nets import NOTES_CNN, NOTES_FCN, notes_class

    net = notes_class(NOTES_CNN if model == "cnn" else NOTES_FCN)()
    net.load_state_dict(torch.load(path, weights_only=True))
    net.eval()
    x, y = to_tensors(load_plan().test, torch.device("cpu"), channels_last=False)
    if model == "fcn":
        x = x.reshape(len(x), -1)
    with torch.no_grad():
        return round((net(x).argmax(1) == y).float().mean().item() * 100, 2)


def step_eval(report: Report) -> Callable[[Step], None]:
    """The training benchmark's evaluation: the notes' CNN over the test split, on the GPU."""

    def body(step: Step) -> None:
        code = (
            "import json, time, torch\n"
            "from tutor.training.loop import evaluate, to_tensors\n"
            "from tutor.training.models import CNN, FCN\n"
            "from tutor.training.sources import load_plan\n"
            "dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')\n"
            "x, y = to_tensors(load_plan().test, dev, channels_last=False)\n"
            "out = {}\n"
            "for name, make in (('cnn', CNN), ('fcn', FCN)):\n"
            "    m = make().to(dev); evaluate(m, x, y)\n"
            "    if dev.type == 'cuda': torch.cuda.synchronize()\n"
            "    t = time.perf_counter(); n = 5\n"
            "    for _ in range(n): evaluate(m, x, y)\n"
            "    if dev.type == 'cuda': torch.cuda.synchronize()\n"
            "    out[name + '_eval_samples_per_s'] = round(n * len(y) / (time.perf_counter() - t))\n"
            "out['test_images'] = len(y); out['device'] = str(dev)\n"
            "print(json.dumps(out))\n"
        )
        rc, out, err = run([sys.executable, "-c", code], 180)
        if rc != 0:
            step.problems.append(f"eval exited {rc}: {err[-600:]}")
            return
        step.facts.update(json.loads(out.strip().splitlines()[-1]))

    return body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "out", type=Path, help="folder for report.json, report.txt and the files made"
    )
    parser.add_argument(
        "--quick", action="store_true", help="one lesson, 30 training steps (for CI)"
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault(
        "TORCH_TUTOR_HOME", str(args.out / "home")
    )  # progress/checkpoints stay here

    machine = machine_facts()
    report = Report(args.out, bool(machine.get("cuda_available")), args.quick)
    report.machine = machine
    print(json.dumps(machine), flush=True)
    timed(report, "doctor: the device cells will use", step_doctor(report))
    timed(
        report,
        "check every built-in lesson" + (" (quick: lesson 00)" if args.quick else ""),
        step_check(report),
    )
    timed(report, "hostile cells on the GPU", step_hostile(report), needs_cuda=True)
    if args.quick:
        report.add(Step("interpreter benchmark", status="skipped", note="--quick"))
    else:
        timed(
            report,
            "interpreter benchmark (worker on the detected device)",
            step_bench_interpreter(report),
        )
    timed(report, "train the notes' CNN", step_train(report, "cnn"))
    timed(report, "train the notes' FCN", step_train(report, "fcn"))
    timed(report, "evaluation speed (training benchmark's eval)", step_eval(report))
    counts = report.summary()
    print(
        f"gpu_check: {counts['ok']} ok, {counts['fail']} failed, {counts['skipped']} skipped "
        f"in {time.time() - report.started:.0f} s; report in {args.out}"
    )
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
