"""Tests the training worker process through its client: metrics stream, pause, resume, stop, errors, and a second run."""

from __future__ import annotations

import asyncio

from tutor.training.client import TrainingClient
from tutor.training.config import TrainConfig
from tutor.training.protocol import Error, Exit, Paused, Progress, Resumed, Started, Stopped
from tutor.training.state import RunState


async def _next(events, kind: type, timeout: float = 60.0):
    async def find():
        async for event in events:
            if isinstance(event, kind):
                return event
            assert not isinstance(event, (Error, Exit)), event
        raise AssertionError(f"the run ended before a {kind.__name__} event")

    return await asyncio.wait_for(find(), timeout)


async def test_pause_resume_and_stop_a_long_run(home):
    async with TrainingClient() as client:
        assert client.ready.torch
        await client.train(TrainConfig(model="fcn", steps=1_000_000, threads=1))
        events = client.events()
        start = await _next(events, Started)
        assert start.device.startswith("cpu") and start.total_steps == 1_000_000
        progress = await _next(events, Progress)
        assert progress.losses and progress.total_steps == 1_000_000
        await client.pause()
        paused = await _next(events, Paused)
        await client.resume()
        resumed = await _next(events, Resumed)
        assert resumed.step == paused.step  # nothing trains while paused
        await _next(events, Progress)
        await client.stop()
        stopped = await _next(events, Stopped)
        assert paused.step < stopped.step < 1_000_000
        # The same worker takes the next run.
        await client.train(TrainConfig(model="cnn", steps=20, threads=1, checkpoint=False))
        state = RunState()
        async for event in client.events():
            state.apply(event)
        assert state.status == "done" and len(state.losses) == 20 and state.result.saved == []


async def test_bad_settings_are_reported_and_the_worker_lives(home):
    async with TrainingClient() as client:
        await client.train(TrainConfig(model="cnn", steps=5, device="cuda:7"))
        state = RunState()
        async for event in client.events():
            state.apply(event)
        assert state.status == "error" and "cuda" in state.error
        assert client.running
        await client.train(TrainConfig(model="cnn", steps=5, data_dir=str(home / "nowhere")))
        state = RunState()
        async for event in client.events():
            state.apply(event)
        assert state.error == f"--data {home / 'nowhere'}: no such folder"


async def test_closing_the_client_ends_a_running_worker(home):
    client = TrainingClient()
    await client.start()
    await client.train(TrainConfig(model="fcn", steps=1_000_000, threads=1))
    await _next(client.events(), Progress)
    proc = client._proc
    await client.close()
    assert proc.returncode is not None and not client.running
