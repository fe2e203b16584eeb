"""What a user is told when a command fails: one line and an exit code (CONTRACT.md).

Every failure reaches the user as ``cqmonitor: <what>: <why>; <what to do>`` on stderr, with
the documented exit code; the traceback goes to the log, never to stderr.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The exit codes of every ``cqmonitor`` command."""

    SUCCESS = 0
    FAILURE = 1
    # A bad setting or input, found before anything is written.
    BAD_INPUT = 2
    # The source site cannot be reached or refuses every request.
    SOURCE_DOWN = 3
    # Slack refused (authentication, channel).
    SLACK_REFUSED = 4


class Problem(Exception):
    """A failure said for a user: what failed, why, what to do, and the exit code."""

    def __init__(
        self,
        what: str,
        why: str,
        todo: str,
        exit_code: ExitCode = ExitCode.FAILURE,
        *,
        interrupted: bool = False,
    ) -> None:
        self.what = what
        # Stopped by a signal or Ctrl-C, not by an error.
        self.interrupted = interrupted
        self.why = " ".join(why.split())
        self.todo = todo
        self.exit_code = ExitCode(exit_code)
        super().__init__(self.line)

    @property
    def line(self) -> str:
        return f"cqmonitor: {self.what}: {self.why}; {self.todo}"
