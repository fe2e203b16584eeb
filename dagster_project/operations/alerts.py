"""Failure alerts: when a run fails, a short Slack message names the failed step and links to it.

:data:`slack_failure_alert` is a Dagster run-failure sensor. The daemon (``dagster dev`` runs one)
evaluates it after a run of this code location fails, the scheduled daily run included; it posts
through the project's own :class:`~dagster_project.resources.SlackResource` to
``CQMONITOR_SLACK_ALERT_CHANNEL`` (default: the digest channel), with a link to the run in the
Dagster UI at ``CQMONITOR_DAGSTER_UI_URL``. Without ``SLACK_BOT_TOKEN`` the alert is only logged.

A blocking asset check that fails with ERROR severity makes its step fail, and so the run: the
alert then names that step and the check, not Dagster's generic "blocking asset check failed".

``cqmonitor run`` executes in process, where no sensor runs: it reports failure by its exit
status and a line on stderr instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import dagster as dg

from pipelines.slack import SlackDeliveryError

from ..errors import error_line, step_reason
from ..resources import SlackResource

__all__ = [
    "FailureSummary",
    "run_url",
    "slack_failure_alert",
    "summarize_failure",
]

# Enough to say what broke; the step's log in the UI holds the rest.
_REASON_CHARS = 400


@dataclass(frozen=True)
class FailureSummary:
    """What an alert says: ``step`` failed (a step key, or several ``, ``-joined), and why."""

    step: str
    text: str


def run_url(base_url: str, run_id: str) -> str:
    """The run's page in the Dagster UI: ``{base}/runs/{run_id}``."""
    return f"{base_url.strip().rstrip('/')}/runs/{run_id}"


def _shorten(text: str, limit: int = _REASON_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


def _failed_blocking_checks(
    instance: dg.DagsterInstance, run_id: str
) -> dict[str, list[dg.AssetCheckEvaluation]]:
    """Failed blocking checks of the run (ERROR severity), by the step that evaluated them."""
    records = instance.get_records_for_run(
        run_id=run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    found: dict[str, list[dg.AssetCheckEvaluation]] = {}
    for record in records:
        event = record.event_log_entry.dagster_event
        evaluation = event.event_specific_data if event is not None else None
        if not isinstance(evaluation, dg.AssetCheckEvaluation):
            continue
        if evaluation.passed or not evaluation.blocking:
            continue
        if evaluation.severity != dg.AssetCheckSeverity.ERROR:
            continue
        found.setdefault(event.step_key or "", []).append(evaluation)  # type: ignore[union-attr]
    return found


def _checks_reason(checks: Iterable[dg.AssetCheckEvaluation]) -> str:
    parts = []
    for check in checks:
        what = f"blocking check {check.asset_key.to_user_string()}:{check.check_name} failed"
        if check.description:
            what += f" ({check.description})"
        parts.append(what)
    return "; ".join(parts)


def summarize_failure(
    instance: dg.DagsterInstance,
    run: dg.DagsterRun,
    failure_event: dg.DagsterEvent | None,
    step_failures: Sequence[dg.DagsterEvent],
) -> FailureSummary:
    """Which step(s) failed and why, from the run's event log."""
    checks = _failed_blocking_checks(instance, run.run_id)
    reasons: dict[str, str] = {}
    for event in step_failures:
        step = event.step_key or "?"
        if step in reasons:
            continue
        # A failed blocking check is why its step failed; say which check, not Dagster's count.
        reasons[step] = _checks_reason(checks[step]) if checks.get(step) else step_reason(event)
    return _summary(reasons, run, failure_event)


def _run_label(run: dg.DagsterRun) -> str:
    """'job daily_pipeline from daily_digest_schedule, partition 2025-03-05' and the like."""
    tags = run.tags
    label = f"job {run.job_name}"
    trigger = tags.get("dagster/schedule_name") or tags.get("dagster/sensor_name")
    if trigger:
        label += f" from {trigger}"
    first = tags.get("dagster/asset_partition_range_start")
    last = tags.get("dagster/asset_partition_range_end")
    if tags.get("dagster/partition"):
        label += f", partition {tags['dagster/partition']}"
    elif first and last:
        label += f", partitions {first} .. {last}" if first != last else f", partition {first}"
    return label


def _summary(
    reasons: dict[str, str], run: dg.DagsterRun, failure_event: dg.DagsterEvent | None
) -> FailureSummary:
    where = _run_label(run)
    if not reasons:
        # The run failed outside any step: resources, the run worker, a cancelled launch.
        data = failure_event.event_specific_data if failure_event is not None else None
        error = getattr(data, "error", None)
        if error is not None:
            reason = error_line(error)
        elif failure_event is not None and failure_event.message:
            reason = failure_event.message
        else:
            reason = "the run failed"
        return FailureSummary(step=f"run of {run.job_name}", text=f"{_shorten(reason)} ({where})")
    if len(reasons) == 1:
        ((step, reason),) = reasons.items()
        return FailureSummary(step=step, text=f"{_shorten(reason)} ({where})")
    text = " · ".join(f"{step}: {_shorten(reason, 200)}" for step, reason in reasons.items())
    return FailureSummary(step=", ".join(reasons), text=f"{text} ({where})")


@dg.run_failure_sensor(
    name="slack_failure_alert",
    description=(
        "Posts a short alert to Slack (CQMONITOR_SLACK_ALERT_CHANNEL, default the digest "
        "channel) naming the failed step, with a link to the run."
    ),
    # Alerts must work as soon as the daemon runs, like the daily schedule they watch.
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def slack_failure_alert(context: dg.RunFailureSensorContext, slack: SlackResource) -> None:
    """Alert Slack about a failed run of this code location (every job, the schedule's too)."""
    run = context.dagster_run
    summary = summarize_failure(
        context.instance, run, context.failure_event, context.get_step_failure_events()
    )
    link = run_url(slack.ui_url, run.run_id)
    try:
        ts = slack.alert(summary.text, step=summary.step, link=link, log=context.log.warning)
    except SlackDeliveryError as exc:
        # Raising marks the sensor tick failed in the UI; the run's own page still shows why.
        context.log.error(f"failure alert for run {run.run_id} not sent: {exc}")
        raise
    if ts is not None:
        context.log.info(f"failure alert for run {run.run_id} posted (ts {ts})")
