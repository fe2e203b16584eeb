"""The operations area: the jobs, their schedules and the failure alerts."""

from collections.abc import Sequence

import dagster as dg

from pipelines.subscriptions import Subscription

from .alerts import slack_failure_alert
from .jobs import daily_digest_schedule, instant_alerts, pipeline_job


def definitions(subscriptions: Sequence[Subscription]) -> dg.Definitions:
    job, schedule = instant_alerts(subscriptions)
    return dg.Definitions(
        jobs=[pipeline_job, job],
        schedules=[daily_digest_schedule, schedule],
        sensors=[slack_failure_alert],
    )


__all__ = ["daily_digest_schedule", "definitions", "pipeline_job", "slack_failure_alert"]
