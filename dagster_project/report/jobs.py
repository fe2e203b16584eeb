"""The weekly report's job and schedule: Mondays at 08:00 in Chongqing, for the week just ended."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.core.instants import cst_day
from pipelines.reports import monday

from ..automation import schedule_status
from ..partitions import TIMEZONE

REPORT_JOB = "weekly_report_job"

weekly_report_job = dg.define_asset_job(
    REPORT_JOB,
    selection=dg.AssetSelection.assets("weekly_report"),
    description="Write the weekly report for analysts and post its chart to Slack.",
)


def last_week_key(day: date) -> str:
    """The partition key (its Monday) of the ISO week before the one holding ``day`` (CST)."""
    return (monday(day) - timedelta(weeks=1)).isoformat()


@dg.schedule(
    name="weekly_report_schedule",
    job=weekly_report_job,
    cron_schedule="0 8 * * 1",
    execution_timezone=TIMEZONE,
    # Like the daily digest: stopped unless CQMONITOR_SCHEDULES=true.
    default_status=schedule_status(),
    description="Mondays at 08:00 Asia/Shanghai: the report of the ISO week just ended.",
)
def weekly_report_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """The tick of Monday D reports the week D-7 .. D-1 as stored at 08:00; articles stored
    later (the daily crawl runs at 08:00 too) are in it when the partition is materialized again."""
    today = cst_day(context.scheduled_execution_time.astimezone(ZoneInfo(TIMEZONE)))
    key = last_week_key(today)
    return dg.RunRequest(
        run_key=f"weekly-report-{key}",
        partition_key=key,
        tags={"cqmonitor/trigger": "schedule"},
    )
