"""Tests `torch-tutor train` and `torch-tutor data` as a user runs them: real subprocesses, real files."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading

import pytest
from test_training_support import MNIST, NOTES_CNN, needs_mnist, notes_accuracy


def _run(*args: str, home, timeout: float = 240) -> subprocess.CompletedProcess:
    env = dict(os.environ, TORCH_TUTOR_HOME=str(home), NO_COLOR="1", COLUMNS="100")
    return subprocess.run(
        [sys.executable, "-m", "tutor.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


@needs_mnist
def test_train_json_save_writes_a_state_dict_the_notes_class_loads(tmp_path):
    target = tmp_path / "out" / "cnn.pt"
    proc = _run(
        "train",
        "--model",
        "cnn",
        "--steps",
        "300",
        "--json",
        "--save",
        str(target),
        home=tmp_path / "home",
    )
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert lines[0]["event"] == "start" and lines[0]["split"].startswith(
        "train: bundled sample (4,500)"
    )
    assert sum(1 for e in lines if e["event"] == "progress") >= 3
    final = lines[-1]
    assert final["event"] == "done" and final["steps"] == 300
    assert 0.5 < final["test_acc"] <= 1 and final["samples_per_s"] > 0
    assert "digits" not in final  # the pictures are for the screen
    assert final["saved"] == [
        str(tmp_path / "home" / "data" / "checkpoints" / "cnn.pt"),
        str(target),
    ]
    assert notes_accuracy(target, NOTES_CNN) > 0.8  # scored by the notes' own class on real t10k


def test_train_rich_output_and_bad_options(tmp_path):
    proc = _run(
        "train", "--model", "fcn", "--steps", "40", "--no-checkpoint", home=tmp_path / "home"
    )
    assert proc.returncode == 0, proc.stderr
    assert "fcn (575,050 parameters)" in proc.stdout
    assert "confusion matrix (row: true, column: predicted)" in proc.stdout
    assert "test accuracy" in proc.stdout and "state_dict saved" not in proc.stdout
    assert not (tmp_path / "home" / "data" / "checkpoints").exists()

    both = _run("train", "--epochs", "1", "--steps", "5", home=tmp_path / "home")
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
    bad = _run("train", "--lr", "-1", home=tmp_path / "home")
    assert bad.returncode == 1 and "lr must be a positive number" in bad.stderr
    model = _run("train", "--model", "resnet", home=tmp_path / "home")
    assert model.returncode == 2 and "use fcn, cnn or path/to/file.py" in model.stderr


@needs_mnist
def test_data_info_states_source_and_split(tmp_path):
    proc = _run("data", "info", "--data", str(MNIST), home=tmp_path / "home")
    assert proc.returncode == 0, proc.stderr
    assert "split: train: bundled sample (5,000) · test: MNIST t10k (10,000)" in proc.stdout
    assert "test: t10k-images-idx3-ubyte.gz + t10k-labels-idx1-ubyte.gz" in proc.stdout
    plain = _run("data", "info", home=tmp_path / "home")
    assert "source: bundled sample" in plain.stdout and "CC BY-SA 3.0" in plain.stdout


class _Refuse(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server API
        self.send_error(403, "Forbidden")

    def log_message(self, *args):
        pass


@pytest.fixture
def refusing_mirror():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refuse)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_download_refused_says_what_to_do(tmp_path, refusing_mirror):
    # The 403 that torchvision users know, from a real (local) HTTP server.
    proc = _run("data", "download", "--mirror", refusing_mirror, home=tmp_path / "home")
    assert proc.returncode == 1
    err = " ".join(proc.stderr.split())
    assert "MNIST could not be downloaded" in err and "403" in err
    assert "torch-tutor train --data DIR" in err and "bundled sample of 5,000 real digits" in err
