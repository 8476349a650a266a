"""Provides how the app ends on SIGHUP, SIGTERM and SIGINT: at once, at any moment, workers too.

A closed terminal (SIGHUP), a ``kill`` (SIGTERM) or a SIGINT must end the app and every process
it started within a second, whatever the app is doing: starting up, training, or stuck writing
to a terminal that is gone (Textual's writer thread dies on the hung-up terminal, and the main
thread then blocks for ever on its full queue, so no asyncio signal handler would ever run).

So the handler is a plain ``signal.signal`` one, installed before anything else starts. Python
runs it on the main thread even while that thread waits on a lock. It kills the interpreter's
workers and every other child process group this process started (the training worker and its
ranks) at once, asks the app to quit normally (which restores the terminal), and starts a timer
that ends the process with ``os._exit`` if that has not happened within ``GRACE`` seconds. What
the workers' cells started is then killed by the session's reaper (tutor.interpreter.reaper).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from typing import Any

EXIT_SIGNALS = ("SIGHUP", "SIGTERM", "SIGINT")
GRACE = 0.5  # seconds the normal quit gets before the process ends without it
# What Textual's driver undoes on a normal exit: mouse, bracketed paste, kitty keys, alt screen.
_RESET_TERMINAL = (
    b"\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?2004l\x1b[?7h"
    b"\x1b[<u\x1b[?1049l\x1b[?25h\x1b[?1004l"
)

_app: Any = None
_loop: Any = None
_fired = threading.Event()


def install() -> None:
    """Catch the exit signals in this process from now on (call it first thing, main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for name in EXIT_SIGNALS:
        signum = getattr(signal, name, None)
        if signum is not None:
            signal.signal(signum, _on_signal)


def attach(app: Any, loop: Any) -> None:
    """The running app to quit normally on a signal (its loop runs ``app.exit``)."""
    global _app, _loop
    _app, _loop = app, loop


def detach(app: Any) -> None:
    global _app, _loop
    if _app is app:
        _app = _loop = None


def _on_signal(signum: int, frame: Any) -> None:
    code = 128 + signum
    if _fired.is_set():
        _hard_exit(code)  # a second signal: no more waiting
    _fired.set()
    kill_children()
    app, loop = _app, _loop
    if app is None or loop is None or loop.is_closed():
        _hard_exit(code)
    timer = threading.Timer(GRACE, _hard_exit, (code,))
    timer.daemon = True
    timer.start()
    try:
        loop.call_soon_threadsafe(app.exit, None, code)
    except RuntimeError:
        _hard_exit(code)


def kill_children() -> None:
    """SIGKILL the interpreter's workers and every child process (group) of ours, but reapers."""
    process = sys.modules.get("tutor.interpreter.process")
    spare: set[int] = set()
    if process is not None:
        process.kill_all_workers()
        spare = process.reaper_pids()
    me = os.getpid()
    try:
        entries = os.listdir("/proc")
    except OSError:
        return  # no /proc (macOS): the workers above are what we know of
    for entry in entries:
        if not entry.isdigit() or int(entry) in spare:
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ppid, pgid = int(fields[1]), int(fields[2])
        except (OSError, IndexError, ValueError):
            continue
        if ppid != me:
            continue
        pid = int(entry)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if pgid == pid:  # a child we started in its own session: its whole group goes
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)


def _hard_exit(code: int) -> None:
    """Put the terminal back as far as it can be done without blocking, then end the process."""
    driver = getattr(_app, "_driver", None)
    attrs = getattr(driver, "attrs_before", None)
    try:
        fd = os.open("/dev/tty", os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError:
        fd = -1  # no terminal any more (SIGHUP): nothing to restore
    if fd >= 0:
        with contextlib.suppress(OSError):
            if driver is not None:
                os.write(fd, _RESET_TERMINAL)
        if attrs is not None:
            with contextlib.suppress(Exception):
                import termios

                termios.tcsetattr(fd, termios.TCSANOW, attrs)
        os.close(fd)
    os._exit(code)
