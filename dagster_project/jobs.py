"""The pipeline job and its daily schedule (08:00 China Standard Time)."""

from __future__ import annotations

import dagster as dg

PIPELINE_JOB = "daily_pipeline"

pipeline_job = dg.define_asset_job(
    PIPELINE_JOB,
    selection=dg.AssetSelection.all(),
    description="Crawl iChongqing, store, classify, extract events and send the Slack digest.",
)

pipeline_schedule = dg.ScheduleDefinition(
    name="daily_digest_schedule",
    job=pipeline_job,
    cron_schedule="0 8 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every morning at 08:00 Asia/Shanghai: what iChongqing published since last run.",
)
