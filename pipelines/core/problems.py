"""What a user is told when a command fails: one line and an exit code (docs/contract.md).

Every failure reaches the user as ``cqmonitor: <what>: <why>; <what to do>`` on stderr, with
the documented exit code; the traceback goes to the log, never to stderr.

Each of cqmonitor's own exception types says how it is told (:class:`CodedError`: its exit code,
what failed, what to do), so the error surface asks the exception, never guesses from its name.
Errors of other libraries (the database driver, the file system, Ctrl-C) are told by their
types here too (:func:`problem_from_exception`).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from typing import ClassVar


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


RERUN = "run it again: what was stored is kept and the next run picks up the rest"
FIX = "fix it and run again"


class CodedError(Exception):
    """An error of cqmonitor's own: it carries its exit code, what failed and what to do.

    Subclasses set the class attributes; each is registered by name, so that an error that
    crossed a Dagster run (where only its class name survives) is told the same way.
    """

    exit_code: ClassVar[ExitCode] = ExitCode.FAILURE
    # What failed; None: the command that ran.
    what: ClassVar[str | None] = None
    todo: ClassVar[str] = RERUN
    by_name: ClassVar[dict[str, type[CodedError]]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        CodedError.by_name[cls.__name__] = cls


class InputError(CodedError):
    """A bad setting or input, found before anything is written: exit 2."""

    exit_code = ExitCode.BAD_INPUT
    what = "settings"
    todo = FIX


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


# Errors of other libraries, by class name (a Dagster run keeps only the name): how each is told.
_INTERRUPTED = frozenset({"KeyboardInterrupt", "DagsterExecutionInterruptedError", "SystemExit"})
_DATABASE = frozenset(
    {
        "OperationalError",
        "InterfaceError",
        "DatabaseError",
        "DBAPIError",
        "PendingRollbackError",
        "DisconnectionError",
        "InternalError",
    }
)
_FILES = frozenset(
    {"PermissionError", "FileNotFoundError", "IsADirectoryError", "NotADirectoryError", "OSError"}
)


def told(
    chain: Iterable[Iterable[str]],
    message: str,
    *,
    what: str,
    log_hint: str,
    interruption: str = "interrupted",
) -> Problem:
    """The problem for an error chain, outermost first; each element is the class names (its
    type and bases) of one error. The first error that knows how it is told decides."""
    links = [list(names) for names in chain]
    if any(_INTERRUPTED.intersection(names) for names in links):
        return Problem("run", interruption, RERUN, interrupted=True)
    for names in links:
        # The most derived registered class of this error (its own class comes first).
        coded = next((CodedError.by_name[n] for n in names if n in CodedError.by_name), None)
        if coded is not None:
            todo = coded.todo.format(log=log_hint)
            return Problem(coded.what or what, message, todo, coded.exit_code)
        if _DATABASE.intersection(names):
            todo = f"check that the database (CQMONITOR_DATABASE_URL) is up, then {RERUN}"
            return Problem("database", message, todo)
        if _FILES.intersection(names):
            todo = f"check that CQMONITOR_DATA_DIR is writable and has room, then {RERUN}"
            return Problem("files", message, todo)
    return Problem(what, message, f"the traceback is in {log_hint}")


def problem_from_exception(
    exc: BaseException, *, what: str, log_hint: str, interruption: str = "interrupted"
) -> Problem:
    """The problem for an exception raised outside a Dagster run (before or after it)."""
    if isinstance(exc, Problem):
        return exc
    if type(exc) is ValueError:
        # The commands' own checks of their arguments raise plain ValueErrors.
        return Problem(what, str(exc), FIX, ExitCode.BAD_INPUT)
    chain: list[list[str]] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 20:
        chain.append([cls.__name__ for cls in type(current).__mro__])
        current = current.__cause__ or current.__context__
    text = str(exc).strip().splitlines()
    message = text[0] if text else type(exc).__name__
    return told(chain, one_line(message), what=what, log_hint=log_hint, interruption=interruption)


def one_line(message: str) -> str:
    """``message`` on one line, without the class names a driver puts in front."""
    import re

    text = " ".join(message.split())
    # "sqlalchemy.exc.OperationalError: (psycopg.errors.AdminShutdown) terminating ...": the
    # classes say nothing to an operator; the database's own words do.
    prefix = re.compile(
        r"^(?:(?:[a-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Failure): )?(?:\([\w.]+\)\s*)?"
    )
    return prefix.sub("", text, count=1) or "failed"
