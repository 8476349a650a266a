"""Provides the training worker process: ``python -m tutor.training.worker``, commands on stdin, JSON-lines events on stdout."""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import traceback


def main() -> int:
    # Keep the real stdout for the protocol alone; anything else that prints (torch warnings,
    # a learner's model file) goes to stderr, which the client drains.
    proto = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    # The client stops us with a "stop" command; a terminal's Ctrl+C is the client's business.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    from tutor.training.protocol import (
        Error,
        Event,
        Pause,
        ProtocolError,
        Quit,
        Ready,
        Resume,
        Stop,
        Train,
        decode_command,
        encode,
    )

    lock = threading.Lock()

    def emit(event: Event) -> None:
        data = encode(event)
        with lock:
            try:
                proto.write(data)
            except BrokenPipeError:
                os._exit(0)  # the client is gone: nobody to train for

    import torch

    from tutor.training.config import TrainConfig
    from tutor.training.ddp_launch import run_local
    from tutor.training.loop import Control, Trainer

    runs: queue.Queue = queue.Queue()
    current: list[Control] = [Control()]

    def read_commands() -> None:
        for line in sys.stdin.buffer:
            if not line.strip():
                continue
            try:
                cmd = decode_command(line)
            except ProtocolError as exc:
                emit(Error(message=f"bad command line: {exc}"))
                continue
            if isinstance(cmd, Train):
                control = Control()
                current[0] = control
                runs.put((cmd.config, control))
            elif isinstance(cmd, Pause):
                current[0].pause()
            elif isinstance(cmd, Resume):
                current[0].resume()
            elif isinstance(cmd, Stop):
                current[0].stop()
            elif isinstance(cmd, Quit):
                break
        current[0].stop()  # stdin closed or quit: end any run, then exit
        runs.put(None)

    threading.Thread(target=read_commands, name="commands", daemon=True).start()
    emit(Ready(torch=str(torch.__version__), pid=os.getpid(), threads=torch.get_num_threads()))

    niced = 0
    while (item := runs.get()) is not None:
        settings, control = item
        try:
            config = TrainConfig.from_dict(settings)
            if config.nice > niced:
                os.nice(config.nice - niced)
                niced = config.nice
            if config.world_size > 1:
                run_local(config, emit, control)  # N rank processes, watched from here
            else:
                Trainer(config, emit, control).run()
        except Exception as exc:  # noqa: BLE001 - every failure is reported, the worker lives on
            emit(Error(message=str(exc) or type(exc).__name__, detail=traceback.format_exc()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
