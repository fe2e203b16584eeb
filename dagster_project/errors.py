"""What went wrong in a Dagster run, in one line: the user's own error, not Dagster's wrapper.

And the one error surface of ``cqmonitor``: any failure, inside a Dagster run or around it,
becomes a :class:`~pipelines.core.problems.Problem` (``cqmonitor: <what>: <why>; <what to
do>`` and its exit code); a step that knows what to say raises :func:`problem_failure`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg

from pipelines.core.problems import ExitCode, Problem, one_line, told
from pipelines.core.problems import problem_from_exception as from_exception
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


def _chain(error: Any) -> list[Any]:
    chain = []
    while error is not None and len(chain) < 20:
        chain.append(error)
        error = getattr(error, "cause", None) or getattr(error, "context", None)
    return chain


def problem_from_events(
    events: list[dg.DagsterEvent], *, log_hint: str, signal_name: str | None = None
) -> Problem | None:
    """The problem of a run's first failure (resources, then steps), or None.

    A step's error crossed the run as its class name only: :func:`told` finds cqmonitor's own
    types by name (``CodedError.by_name``), so each is told as its type says.
    """
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
        chain = [[str(getattr(e, "cls_name", ""))] for e in _chain(error)]
        message = one_line(error_line(error) if error else "failed")
        return told(
            chain, message, what=what, log_hint=log_hint, interruption=interruption(signal_name)
        )
    return None


def problem_from_exception(
    exc: BaseException, *, what: str, log_hint: str, signal_name: str | None = None
) -> Problem:
    """The problem for an exception raised outside Dagster (before or after the run)."""
    return from_exception(exc, what=what, log_hint=log_hint, interruption=interruption(signal_name))


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
