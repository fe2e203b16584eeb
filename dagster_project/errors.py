"""What went wrong in a Dagster run, in one line: the user's own error, not Dagster's wrapper.

And the one error surface of ``cqmonitor``: any failure, inside a Dagster run or around it,
becomes a :class:`~pipelines.core.problems.Problem` (``cqmonitor: <what>: <why>; <what to
do>`` and its exit code); a step that knows what to say raises :func:`problem_failure`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import dagster as dg

from pipelines.core.problems import ExitCode, Problem
from pipelines.interrupts import interruption

_AUTOFLUSH_NOTE = "(raised as a result of Query-invoked autoflush"


def error_line(error: Any) -> str:
    """The first line of the first error in the chain that is not Dagster's own.

    A step's error is a chain (DagsterExecutionStepExecutionError caused by the user's error,
    or the other way round for a resource); the user's error is the one that says what to fix.
    """
    chain = _chain(error)
    own = [e for e in chain if not str(getattr(e, "cls_name", "") or "").startswith("Dagster")]
    chosen = own[0] if own else (chain[0] if chain else None)
    if chosen is None:
        return "failed"
    message = str(getattr(chosen, "message", "") or "").strip()
    # SQLAlchemy puts a note before the database's own words when an autoflush raised.
    lines = [line for line in message.splitlines() if _AUTOFLUSH_NOTE not in line]
    return lines[0] if lines else str(getattr(chosen, "cls_name", "failed"))


def step_reason(event: dg.DagsterEvent) -> str:
    """Why a step failed: a ``dg.Failure``'s description, else its error's first line."""
    data = event.step_failure_data
    if data.user_failure_data is not None and data.user_failure_data.description:
        return str(data.user_failure_data.description)
    if data.error is not None:
        return error_line(data.error)
    return event.message or "failed"


def failure_reason(events: list[dg.DagsterEvent]) -> str:
    """The reason of the first failure among a run's events (resources, then steps)."""
    for event in events:
        if event.event_type_value == "RESOURCE_INIT_FAILURE":
            error = getattr(event.event_specific_data, "error", None)
            return f"setting up resources: {error_line(error) if error else event.message}"
        if event.is_step_failure:
            return f"{event.step_key or '?'}: {step_reason(event)}"
    return "the run failed"


# --- the one error surface: a Problem (one line, an exit code) from whatever failed ----------

_KEYS = ("what", "why", "todo", "exit_code")
_PREFIX = "cqmonitor/"
_INTERRUPTED = {"KeyboardInterrupt", "DagsterExecutionInterruptedError", "SystemExit"}
_BAD_INPUT = {"SettingError", "TaxonomyError", "DatabaseURLError", "SubscriptionError"}
_DATABASE = {
    "OperationalError",
    "InterfaceError",
    "DatabaseError",
    "DBAPIError",
    "PendingRollbackError",
    "DisconnectionError",
    "InternalError",
}
_FILES = {
    "PermissionError",
    "FileNotFoundError",
    "IsADirectoryError",
    "NotADirectoryError",
    "OSError",
}
_CRAWL = {"CrawlError", "CrawlCancelled", "LeaseLost"}
# "sqlalchemy.exc.OperationalError: (psycopg.errors.AdminShutdown) terminating ...": the
# classes say nothing to an operator; the database's own words do.
_CLASS_PREFIXES = re.compile(
    r"^(?:(?:[a-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Failure): )?(?:\([\w.]+\)\s*)?"
)
RERUN = "run it again: what was stored is kept and the next run picks up the rest"


def problem_failure(problem: Problem, metadata: Mapping[str, Any] | None = None) -> dg.Failure:
    """A step's ``dg.Failure`` carrying ``problem`` (its line, and its parts for the CLI)."""
    parts = {f"{_PREFIX}{key}": getattr(problem, key) for key in _KEYS}
    parts[f"{_PREFIX}exit_code"] = int(problem.exit_code)
    return dg.Failure(description=problem.line, metadata={**(metadata or {}), **parts})


def _carried(data: Any) -> Problem | None:
    metadata = getattr(data, "metadata", None) or {}
    values = {k[len(_PREFIX) :]: getattr(v, "value", v) for k, v in metadata.items()}
    if not all(key in values for key in _KEYS):
        return None
    code = ExitCode(int(values["exit_code"]))
    return Problem(str(values["what"]), str(values["why"]), str(values["todo"]), code)


def classify(
    names: set[str], message: str, *, what: str, log_hint: str, signal_name: str | None = None
) -> Problem:
    """The problem for an error whose chain holds the classes ``names``, saying ``message``."""
    message = _CLASS_PREFIXES.sub("", " ".join(message.split()), count=1) or "failed"
    if names & _INTERRUPTED:
        return Problem("run", interruption(signal_name), RERUN, interrupted=True)
    if "WindowError" in names:
        return Problem(what, message, "fix it and run again", ExitCode.BAD_INPUT)
    if names & _BAD_INPUT:
        return Problem("settings", message, "fix it and run again", ExitCode.BAD_INPUT)
    if "SlackDeliveryError" in names:
        todo = "nothing was marked delivered: fix it and run again"
        return Problem("Slack", message, todo, ExitCode.SLACK_REFUSED)
    if "CrawlBusy" in names:
        return Problem("crawl", message, "wait for it to end, or `cqmonitor unlock` if stuck")
    if names & _DATABASE:
        todo = f"check that the database (CQMONITOR_DATABASE_URL) is up, then {RERUN}"
        return Problem("database", message, todo)
    if names & _CRAWL:
        return Problem("crawl", message, RERUN)
    if names & _FILES:
        todo = f"check that CQMONITOR_DATA_DIR is writable and has room, then {RERUN}"
        return Problem("files", message, todo)
    return Problem(what, message, f"the traceback is in {log_hint}")


def _chain(error: Any) -> list[Any]:
    chain = []
    while error is not None and len(chain) < 20:
        chain.append(error)
        error = getattr(error, "cause", None) or getattr(error, "context", None)
    return chain


def problem_from_events(
    events: list[dg.DagsterEvent], *, log_hint: str, signal_name: str | None = None
) -> Problem | None:
    """The problem of a run's first failure (resources, then steps), or None."""
    for event in events:
        if event.event_type_value == "RESOURCE_INIT_FAILURE":
            error = getattr(event.event_specific_data, "error", None)
            what = "setting up"
        elif event.is_step_failure:
            data = event.step_failure_data
            carried = _carried(data.user_failure_data)
            if carried is not None:
                return carried
            error, what = data.error, event.step_key or "run"
        else:
            continue
        names = {str(getattr(e, "cls_name", "")) for e in _chain(error)}
        message = error_line(error) if error else "failed"
        return classify(names, message, what=what, log_hint=log_hint, signal_name=signal_name)
    return None


def problem_from_exception(
    exc: BaseException, *, what: str, log_hint: str, signal_name: str | None = None
) -> Problem:
    """The problem for an exception raised outside Dagster (before or after the run)."""
    if isinstance(exc, Problem):
        return exc
    if type(exc) is ValueError:
        # The commands' own checks of their arguments raise plain ValueErrors.
        return Problem(what, str(exc), "fix it and run again", ExitCode.BAD_INPUT)
    names: set[str] = set()
    current: BaseException | None = exc
    while current is not None and len(names) < 100:
        names.update(cls.__name__ for cls in type(current).__mro__)
        current = current.__cause__ or current.__context__
    text = str(exc).strip().splitlines()
    message = text[0] if text else type(exc).__name__
    return classify(names, message, what=what, log_hint=log_hint, signal_name=signal_name)


def failure_tracebacks(events: list[dg.DagsterEvent]) -> list[str]:
    """The full error (with stack) of every failure among a run's events, for the log."""
    found = []
    for event in events:
        error = None
        if event.event_type_value == "RESOURCE_INIT_FAILURE":
            error = getattr(event.event_specific_data, "error", None)
        elif event.is_step_failure:
            error = event.step_failure_data.error
        if error is not None:
            found.append(f"{event.step_key or 'run'}: {error.to_string()}")
    return found
