"""Which signal stopped the process: SIGINT (Ctrl-C), SIGTERM (``timeout``, systemd, k8s)...

Dagster maps SIGTERM to its SIGINT handler and raises one interruption for both, so the signal
is not in the exception. :func:`recording_signals` listens through ``signal.set_wakeup_fd``,
which sees every signal that reaches a Python handler whoever installed it, so that a stopped
crawl can say which signal stopped it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class _Recorder:
    """One wakeup pipe for the process, shared by nested :func:`recording_signals` blocks."""

    def __init__(self) -> None:
        self.depth = 0
        self.read_end = -1
        self.write_end = -1
        self.previous = -1
        self.received: list[int] = []

    def enter(self) -> bool:
        if self.depth == 0:
            read_end, write_end = os.pipe()
            os.set_blocking(read_end, False)
            os.set_blocking(write_end, False)
            try:
                self.previous = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
            except ValueError:
                os.close(read_end)
                os.close(write_end)
                return False
            self.read_end, self.write_end = read_end, write_end
            self.received = []
        self.depth += 1
        return True

    def exit(self) -> None:
        self.depth -= 1
        if self.depth == 0:
            self.last()
            signal.set_wakeup_fd(self.previous)
            os.close(self.read_end)
            os.close(self.write_end)
            self.read_end = self.write_end = -1

    def last(self) -> str | None:
        if self.read_end >= 0:
            with contextlib.suppress(BlockingIOError, OSError):
                self.received.extend(os.read(self.read_end, 512))
        if not self.received:
            return None
        try:
            return signal.Signals(self.received[-1]).name
        except ValueError:
            return f"signal {self.received[-1]}"


_RECORDER = _Recorder()


@contextmanager
def recording_signals() -> Iterator[Callable[[], str | None]]:
    """While inside, a callable returns the name of the last signal received (or None).

    Blocks nest (the command line records around a run, the crawl around its crawl) and share
    what they saw. Outside the main thread, where signals cannot be watched, it returns None.
    """
    if threading.current_thread() is not threading.main_thread() or not _RECORDER.enter():
        yield lambda: None
        return
    try:
        yield _RECORDER.last
    finally:
        _RECORDER.exit()


def interruption(signal_name: str | None) -> str:
    """How an interrupted crawl or run says why."""
    if signal_name == "SIGINT":
        return "interrupted by SIGINT (Ctrl-C)"
    if signal_name:
        return f"interrupted by {signal_name}"
    return "interrupted"
