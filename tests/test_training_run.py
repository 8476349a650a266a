"""Tests the training loop in-process: a short CNN run on the bundled sample learns, and its state_dict fits the notes' classes."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import torch
from test_training_support import NOTES_CNN, NOTES_FCN, needs_mnist, notes_accuracy, notes_class

from tutor.training.config import TrainConfig, model_file
from tutor.training.loop import Control, Trainer, to_tensors
from tutor.training.models import CNN, FCN, build_model
from tutor.training.protocol import Done, EpochEnd, Paused, Progress, Resumed, Started, Stopped
from tutor.training.sources import load_plan


def test_short_cnn_run_on_the_sample_learns(home):
    events = []
    config = TrainConfig(model="cnn", steps=150)
    done = Trainer(config, events.append).run()
    kinds = [type(e) for e in events]
    assert kinds[0] is Started and kinds[-1] is Done and EpochEnd in kinds
    assert events[-1] is done
    losses = [x for e in events if isinstance(e, Progress) for x in e.losses]
    assert len(losses) == 150  # every batch loss reaches the client
    first, last = sum(losses[:20]) / 20, sum(losses[-20:]) / 20
    assert last < 0.4 * first, (first, last)
    assert done.test_acc > 0.6, done.test_acc  # chance is 0.1
    assert done.split == "train: bundled sample (4,500) · test: bundled sample hold-out (500)"
    assert sum(map(sum, done.confusion)) == 500 == done.test_total
    assert len(done.digits.images) == 24 and len(done.digits.images[0]) == 28
    epochs = [e for e in events if isinstance(e, EpochEnd)]
    assert [e.epoch for e in epochs] == list(range(1, 4))  # 150 steps of 71 per epoch: 3 epochs
    assert done.saved == [str(home / "data" / "checkpoints" / "cnn.pt")]


def test_saved_cnn_loads_into_the_notes_class_and_predicts_the_same(home):
    Trainer(TrainConfig(model="cnn", steps=40), lambda e: None).run()
    state = torch.load(home / "data" / "checkpoints" / "cnn.pt", weights_only=True)
    notes = notes_class(NOTES_CNN)()
    notes.load_state_dict(state)  # strict: the same names and shapes
    ours = CNN()
    ours.load_state_dict(state)
    x, _ = to_tensors(load_plan().test, torch.device("cpu"), channels_last=False)
    with torch.no_grad():
        # Pooling before ReLU (our fast order) gives the same numbers as the notes' ReLU-then-pool.
        torch.testing.assert_close(ours(x), notes(x))


def test_fcn_state_dict_has_the_notes_layer_names():
    assert FCN().state_dict().keys() == notes_class(NOTES_FCN)().state_dict().keys()
    assert [k for k in CNN().state_dict()] == [k for k in notes_class(NOTES_CNN)().state_dict()]


@needs_mnist
@pytest.mark.slow
def test_default_cnn_run_on_the_sample_scores_96_percent_on_real_t10k(home):
    # The issue's bar: 938 steps on the offline sample, scored by the notes' own class on MNIST t10k.
    done = Trainer(TrainConfig(model="cnn"), lambda e: None).run()
    assert done.steps == 938
    assert notes_accuracy(home / "data" / "checkpoints" / "cnn.pt", NOTES_CNN) >= 0.96


@pytest.mark.parametrize("source", [NOTES_FCN, NOTES_CNN], ids=["fcn", "cnn"])
def test_learners_own_model_file_trains(tmp_path, home, source):
    # The notes' classes verbatim: the CNN flattens with x.view(batch_size, -1), which a
    # channels_last layout would break, so a learner's class keeps torch's default layout.
    path = tmp_path / "my_net.py"
    path.write_text(source)
    done = Trainer(TrainConfig(model=f"{path}:Net", steps=30, threads=1), lambda e: None).run()
    assert done.model == f"{path}:Net" and done.steps == 30
    assert done.saved == [str(home / "data" / "checkpoints" / "my_net-Net.pt")]
    with pytest.raises(ValueError, match="has no nn.Module subclass named 'Missing'"):
        build_model(f"{path}:Missing")


def test_a_stop_before_the_first_step_lands_at_once(home):
    control = Control()
    control.stop()
    events = []
    assert Trainer(TrainConfig(steps=10), events.append, control).run() is None
    assert [type(e) for e in events] == [Started, Stopped]
    assert not (home / "data" / "checkpoints" / "cnn.pt").exists()


def test_a_pause_is_neither_training_nor_testing_time(home):
    control, events, began = Control(), [], []

    def emit(event):
        events.append(event)
        if isinstance(event, Started):
            began.append(time.perf_counter())
        if isinstance(event, Progress) and not control.paused and len(events) == 2:
            control.pause()  # lands before the next step
            threading.Timer(3.0, control.resume).start()

    config = TrainConfig(model="fcn", steps=30, threads=1, checkpoint=False, update_interval=0)
    done = Trainer(config, emit, control).run()
    wall = time.perf_counter() - began[0]
    kinds = [type(e) for e in events]
    assert kinds.count(Paused) == 1 and kinds.count(Resumed) == 1
    # The meter's clocks run inside this wall time; counting the 3 s pause would break this.
    assert done.train_time + done.eval_time <= wall - 2.5, (done.train_time, done.eval_time, wall)
    epoch = next(e for e in events if isinstance(e, EpochEnd))
    assert epoch.epoch_train_time == done.train_time  # one epoch: the same seconds


def test_settings_are_checked():
    with pytest.raises(ValueError, match="give --epochs or --steps, not both"):
        TrainConfig(epochs=1, steps=3)
    with pytest.raises(ValueError, match="momentum must be in"):
        TrainConfig(momentum=1.5)
    with pytest.raises(ValueError, match="unknown training settings: colour"):
        TrainConfig.from_dict({"colour": "red"})
    with pytest.raises(
        ValueError, match=r"unknown model 'resnet': use fcn, cnn or path/to/file.py\[:ClassName\]"
    ):
        TrainConfig(model="resnet")
    assert TrainConfig(model="nets/mine.py:Net").model == "nets/mine.py:Net"
    # One reading of a learner's spec for the loader, the checkpoint name and the screen.
    assert model_file("nets/mine.py") == (Path("nets/mine.py"), "Net")
    assert model_file("C:/nets/mine.py:Small") == (
        Path("C:/nets/mine.py"),
        "Small",
    )  # a drive's colon is no class
    assert TrainConfig(epochs=2).total_steps(4500) == 2 * 71
