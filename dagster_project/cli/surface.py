"""The one error surface of ``cqmonitor``: one line on stderr, the traceback in the log file.

Every command runs through :func:`guarded`: whatever it raises (a setting, the database, the
site, Slack, Ctrl-C or SIGTERM) becomes a :class:`~pipelines.core.problems.Problem`, printed
as ``cqmonitor: <what>: <why>; <what to do>`` with its exit code. The traceback and every
warning go to ``<data dir>/cqmonitor.log`` (the temp dir if that cannot be written), never to
stderr. A bad setting or input writes no log: nothing at all is written before it is found.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable
from pathlib import Path

from pipelines.core.problems import ExitCode, Problem
from pipelines.interrupts import recording_signals

from ..errors import problem_from_exception

LOG_NAME = "cqmonitor.log"
log = logging.getLogger("cqmonitor")


class LogFile(logging.Handler):
    """``<data dir>/cqmonitor.log``, opened at its first record, appended to."""

    def __init__(self, data_dir: str) -> None:
        super().__init__(level=logging.INFO)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        self.wanted = Path(data_dir) / LOG_NAME
        self.path: Path | None = None
        self._held: list[logging.LogRecord] = []
        self.armed = False

    @property
    def where(self) -> str:
        return str(self.path or self.wanted)

    def _open(self) -> Path:
        for path in (self.wanted, Path(tempfile.gettempdir()) / f"cqmonitor-{os.getuid()}.log"):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("a", encoding="utf-8"):
                    pass
                return path
            except OSError:
                continue
        return Path(os.devnull)

    def emit(self, record: logging.LogRecord) -> None:
        if not self.armed:
            # Held until the command has passed its checks: a bad setting writes nothing.
            self._held.append(record)
            return
        if self.path is None:
            self.path = self._open()
        try:
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(self.format(record) + "\n")
        except OSError:
            self.path = Path(os.devnull)

    def arm(self) -> None:
        """Write from now on, the held records first."""
        self.armed = True
        held, self._held = self._held, []
        for record in held:
            self.emit(record)


_HANDLER: LogFile | None = None


def arm_log() -> None:
    """The command's checks passed: the log may be written."""
    if _HANDLER is not None:
        _HANDLER.arm()


def log_hint() -> str:
    return _HANDLER.where if _HANDLER is not None else "the log"


def _install(data_dir: str) -> LogFile:
    global _HANDLER
    handler = LogFile(data_dir)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, LogFile)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # Python's warnings go to the log too, not to stderr.
    logging.captureWarnings(True)
    _HANDLER = handler
    return handler


def guarded(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a command; any failure becomes its one line on stderr and its exit code."""
    # The log goes to the data dir in force; the settings are not validated yet (a bad one must
    # write nothing), so the variable is read as the settings object reads it.
    from pipelines.settings import DEFAULT_DATA_DIR

    data_dir = (
        getattr(args, "data_dir", None) or os.environ.get("CQMONITOR_DATA_DIR") or DEFAULT_DATA_DIR
    )
    handler = _install(data_dir)
    if threading.current_thread() is threading.main_thread():
        # SIGTERM (cron's `timeout`, systemd) unwinds like Ctrl-C: every `finally` runs.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    with recording_signals() as last_signal:
        try:
            return int(func(args))
        except BrokenPipeError:
            # `cqmonitor status | head`: the reader left; say nothing more (Python's advice).
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return int(ExitCode.FAILURE)
        except BaseException as exc:  # noqa: BLE001 - every failure gets its one line
            problem = problem_from_exception(
                exc, what=args.command, log_hint=handler.where, signal_name=last_signal()
            )
            error: BaseException = exc
    if problem.exit_code != ExitCode.BAD_INPUT:
        handler.arm()
        trace = "".join(traceback.format_exception(error))
        log.error("%s\n%s", problem.line, trace)
    print(problem.line, file=sys.stderr)
    return int(problem.exit_code)


def fail(problem: Problem, tracebacks: list[str]) -> Problem:
    """Log a failed run's tracebacks; the problem to raise."""
    arm_log()
    for trace in tracebacks:
        log.error("%s", trace)
    return problem
