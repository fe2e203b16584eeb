"""Whether schedules and sensors start on their own: safe by default.

A fresh checkout (no settings) must never crawl the live site or post to Slack by itself, even
with a token in the environment: schedules and the freshness sensor are registered stopped. A
deployment turns them on with one setting, ``CQMONITOR_SCHEDULES=true`` (deploy/ shows it); an
operator can also start each one by hand in the UI (Automation). The failure alert stays on: it
only speaks when a run someone started has failed.

And freshness, the Dagster way: the stored assets carry a freshness policy (a day and two hours,
as the crawl runs daily at 08:00), which the UI shows on each asset.
"""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

from pipelines.settings import Settings

# The daily crawl plus two hours of slack: older than this, the stored articles are stale.
FRESHNESS_LIMIT = timedelta(hours=26)
FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=FRESHNESS_LIMIT)


def schedules_on() -> bool:
    """``CQMONITOR_SCHEDULES``, read when the definitions load."""
    return Settings.from_env().schedules


def schedule_status(wanted: bool = True) -> dg.DefaultScheduleStatus:
    """RUNNING only when the deployment turned schedules on and this one is wanted."""
    on = wanted and schedules_on()
    return dg.DefaultScheduleStatus.RUNNING if on else dg.DefaultScheduleStatus.STOPPED


def sensor_status() -> dg.DefaultSensorStatus:
    return dg.DefaultSensorStatus.RUNNING if schedules_on() else dg.DefaultSensorStatus.STOPPED
