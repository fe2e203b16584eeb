"""What went wrong in a Dagster run, in one line: the user's own error, not Dagster's wrapper."""

from __future__ import annotations

from typing import Any

import dagster as dg


def error_line(error: Any) -> str:
    """The first line of the first error in the chain that is not Dagster's own.

    A step's error is a chain (DagsterExecutionStepExecutionError caused by the user's error,
    or the other way round for a resource); the user's error is the one that says what to fix.
    """
    chain = []
    while error is not None:
        chain.append(error)
        error = getattr(error, "cause", None) or getattr(error, "context", None)
    own = [e for e in chain if not str(getattr(e, "cls_name", "") or "").startswith("Dagster")]
    chosen = own[0] if own else (chain[0] if chain else None)
    if chosen is None:
        return "failed"
    message = str(getattr(chosen, "message", "") or "").strip()
    return message.splitlines()[0] if message else str(getattr(chosen, "cls_name", "failed"))


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
