"""Partitions by publication day, in China Standard Time (the site's dates are CST dates)."""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg

FIRST_DAY = "2015-01-01"
TIMEZONE = "Asia/Shanghai"

# end_offset=1: today's partition can be materialized too (today's news, before midnight).
publication_days = dg.DailyPartitionsDefinition(
    start_date=FIRST_DAY, timezone=TIMEZONE, end_offset=1
)


def partition_dates(context: dg.AssetExecutionContext) -> tuple[date, date] | None:
    """First and last publication day (inclusive) of the run's partition range, if any."""
    if not (context.has_partition_key or context.has_partition_key_range):
        return None
    window = context.partition_time_window
    return window.start.date(), (window.end - timedelta(days=1)).date()


def range_tags(first: date, last: date) -> dict[str, str]:
    """Run tags that make one run cover the partitions from ``first`` to ``last``."""
    return {
        "dagster/asset_partition_range_start": first.isoformat(),
        "dagster/asset_partition_range_end": last.isoformat(),
    }
