"""The pipeline job and its daily schedule: 08:00 in Chongqing, incrementally."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.core.instants import cst_day

from ..partitions import FIRST_DAY, TIMEZONE, range_tags, scope_config

PIPELINE_JOB = "daily_pipeline"

pipeline_job = dg.define_asset_job(
    PIPELINE_JOB,
    # The weekly report has weekly partitions and its own job (dagster_project/report).
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("report"),
    description="Crawl iChongqing, store, classify, extract events and send the Slack digest.",
)


@dg.schedule(
    name="daily_digest_schedule",
    job=pipeline_job,
    cron_schedule="0 8 * * *",
    execution_timezone=TIMEZONE,
    # Runs as shipped; turn it off in the UI (Automation) or with
    # `dagster schedule stop daily_digest_schedule`.
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every morning at 08:00 Asia/Shanghai: what is new since the last crawl.",
)
def daily_digest_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """The tick on day D crawls incrementally (nothing stored and unchanged is fetched) and
    covers every month: an edit of an old article is stored in its own month's rows."""
    local = context.scheduled_execution_time.astimezone(ZoneInfo(TIMEZONE))
    today = cst_day(local)
    return dg.RunRequest(
        run_key=f"daily-{today.isoformat()}",
        run_config=scope_config(incremental=True, since=None, until=None),
        tags={**range_tags(date.fromisoformat(FIRST_DAY), today), "cqmonitor/trigger": "schedule"},
    )
