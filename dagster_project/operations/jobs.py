"""The jobs and their schedules: the daily pipeline at 08:00 in Chongqing, and the instant
alerts every 15 minutes."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.core.instants import cst_day
from pipelines.subscriptions import Subscription

from ..automation import schedule_status
from ..deliver import delivery_asset_name
from ..partitions import (
    PARTITIONED_ASSETS,
    TIMEZONE,
    first_partition_day,
    range_tags,
    scope_config,
)

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
    # Stopped unless CQMONITOR_SCHEDULES=true (dagster_project/automation.py): a fresh checkout
    # never crawls the live site or posts by itself.
    default_status=schedule_status(),
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
        tags={**range_tags(first_partition_day(), today), "cqmonitor/trigger": "schedule"},
    )


INSTANT_JOB = "instant_alerts"
POLL_MINUTES = 15


def instant_alerts(
    subscriptions: Sequence[Subscription],
) -> tuple[dg.UnresolvedAssetJobDefinition, dg.ScheduleDefinition]:
    """The alert job (a feed-only incremental crawl, then every instant subscription's alerts)
    and its schedule every 15 minutes, running as shipped only when one is instant."""
    instant = [s for s in subscriptions if s.instant]
    selection = dg.AssetSelection.assets(*PARTITIONED_ASSETS) | dg.AssetSelection.assets(
        *(delivery_asset_name(s) for s in instant)
    )
    job = dg.define_asset_job(
        INSTANT_JOB,
        selection=selection,
        description="Poll the feed and post an alert per new event to instant subscriptions.",
    )

    @dg.schedule(
        name="instant_alerts_schedule",
        job=job,
        cron_schedule=f"*/{POLL_MINUTES} * * * *",
        execution_timezone=TIMEZONE,
        default_status=schedule_status(wanted=bool(instant)),
        description="Every 15 minutes: the feed, and an alert per new event (instant ones).",
    )
    def instant_alerts_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        """A poll: one conditional request for the feed when nothing is new."""
        tick = context.scheduled_execution_time.astimezone(ZoneInfo(TIMEZONE))
        return dg.RunRequest(
            run_key=f"poll-{tick:%Y-%m-%dT%H:%M}",
            run_config=scope_config(incremental=True, since=None, until=None, feed_only=True),
            tags={
                **range_tags(first_partition_day(), cst_day(tick)),
                "cqmonitor/trigger": "instant_alerts_schedule",
            },
        )

    return job, instant_alerts_schedule
