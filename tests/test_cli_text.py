"""Tests that the CLI's words agree with what it does: help texts, table columns, rates, 80 columns."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tutor.cli.main import main


def _help(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit):
        main([*argv, "--help"])
    return " ".join(capsys.readouterr().out.split())  # argparse's line breaks removed


def _cli(capsys, monkeypatch, columns: int, *argv: str) -> tuple[int, str]:
    monkeypatch.setenv("COLUMNS", str(columns))
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_help_says_what_lang_device_and_threads_do(capsys):
    top = _help(capsys)
    assert "--lang {en,zh} language of the app: its interface, lessons and verdicts" in top
    train = _help(capsys, "train")
    # train's --device is where it trains, not where cells run; threads are tuned, not "all cores"
    assert "--device DEV train on DEV" in train and "run cells" not in train
    assert "--threads N torch threads (default: chosen while training" in train
    assert "all cores" not in train
    assert "this command's own messages stay English" in _help(capsys, "lessons")


def test_progress_marks_a_finished_lesson_in_its_done_column(capsys, monkeypatch):
    from tutor.lessons.loader import load_catalog
    from tutor.progress import ProgressStore

    steps = len(load_catalog().get("tensors").lesson.steps)
    store = ProgressStore.load()
    for index in range(steps):
        store.mark_done("tensors", index)
    assert store.save()
    code, out = _cli(capsys, monkeypatch, 80, "progress")
    assert code == 0
    header = next(line for line in out.splitlines() if "lesson" in line and "┃" in line)
    assert all(cell.strip() for cell in header.strip("┃ ").split("┃")), header  # every column named
    row = next(line for line in out.splitlines() if "│ tensors " in line)
    assert f"{steps}/{steps} ✓" in row


def test_lessons_table_keeps_file_names_whole_at_80_columns(capsys, monkeypatch):
    from tutor.lessons.loader import load_catalog
    from tutor.lessons.model import tr

    _code, out = _cli(capsys, monkeypatch, 80, "lessons")
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    for item in load_catalog().lessons:
        row = next(line for line in lines if f"│ {item.lesson.id} " in line)
        assert f"│ {item.path.name} " in row, row
        # the chapter is a heading row above its lessons, not a column squeezing the titles
        assert any(tr(item.lesson.chapter) in line for line in lines)


def test_lessons_table_too_narrow_for_file_names_drops_them_not_the_titles(capsys, monkeypatch):
    _code, out = _cli(capsys, monkeypatch, 45, "lessons")
    assert (
        "│ broadcasting " in out
        and "Broadcasting" in out
        and ".toml" not in out.split("lessons:")[0]
    )
    assert "file names left out: the terminal is too narrow" in out


def test_doctor_puts_a_long_path_whole_on_its_own_line_at_80_columns(tmp_path):
    home = tmp_path / "a-rather-long-folder-name" / "so-that-no-path-fits-beside-its-label"
    env = {**os.environ, "TORCH_TUTOR_HOME": str(home), "COLUMNS": "80"}
    env.pop("TORCH_TUTOR_LESSONS", None)
    done = subprocess.run(
        [sys.executable, "-m", "tutor", "doctor"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    lines = [line.strip() for line in done.stdout.splitlines()]
    for label, path in (
        ("progress", home / "data" / "progress.json"),
        ("checkpoints", home / "data" / "checkpoints"),
    ):
        at = lines.index(label)
        assert lines[at + 1] == str(path), done.stdout
    assert "torch threads" in done.stdout  # short values stay beside their labels


def test_train_labels_the_bar_rate_now_and_the_summary_rate_average(tmp_path):
    env = {
        **os.environ,
        "TORCH_TUTOR_HOME": str(tmp_path / "home"),
        "NO_COLOR": "1",
        "COLUMNS": "160",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tutor",
            "train",
            "--model",
            "fcn",
            "--steps",
            "40",
            "--no-checkpoint",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "40 steps of 64 (1 epoch of 71 steps)" in done.stdout  # not "1 epochs"
    assert re.search(r"[\d,]+ samples/s now · \d+ threads?", done.stdout), done.stdout
    found = re.search(
        r"([\d,]+) samples/s on average \(([\d,]+) samples in ([\d.]+) s of training", done.stdout
    )
    assert found, done.stdout
    rate, samples, seconds = (float(g.replace(",", "")) for g in found.groups())
    assert samples == 40 * 64
    # The average is samples / training time; the time is printed to 0.1 s, the rate to 1.
    assert samples / (seconds + 0.05) - 1 <= rate <= samples / max(seconds - 0.05, 1e-9) + 1
