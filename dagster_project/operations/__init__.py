"""The operations area: the pipeline job, its daily schedule and the failure alerts."""

import dagster as dg

from .alerts import slack_failure_alert
from .jobs import daily_digest_schedule, pipeline_job

defs = dg.Definitions(
    jobs=[pipeline_job], schedules=[daily_digest_schedule], sensors=[slack_failure_alert]
)
