"""Partitions by publication month, in China Standard Time, and the scope of one run.

The months start at ``CQMONITOR_FIRST_MONTH`` (default 2023-01), read when the definitions
load: "Materialize all" in the UI then covers a bounded set (about 50 months), not every month
the site has. A deployment that wants older news backfills after setting it earlier.

Monthly, not daily: Dagster records every partition of a run's range (planned and materialized
events per asset), about 3.6 ms per asset and partition here, so a backfill from 2015 over daily
partitions spent a minute on bookkeeping alone (4,345 days x 4 assets); over months it is
143 partitions. A run may narrow its months to days (``since``/``until``): it then writes the
rows of those days only, and says so in its metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import dagster as dg

from pipelines.core.instants import TIMEZONE, Span
from pipelines.settings import Settings, first_month_day

FIRST_DAY = first_month_day(Settings.from_env().first_month).isoformat()
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
PARTITIONED_ASSETS = ("raw_articles", "articles", "article_topics", "events")

# end_offset=1: the current month can be materialized too (this month's news, before it ends).
publication_months = dg.MonthlyPartitionsDefinition(
    start_date=FIRST_DAY, timezone=TIMEZONE, end_offset=1
)

# The weekly report's ISO weeks (Monday to Sunday, CST), from the week holding FIRST_DAY; a
# week is a partition once it has ended.
_first = date.fromisoformat(FIRST_DAY)
report_weeks = dg.WeeklyPartitionsDefinition(
    start_date=(_first - timedelta(days=_first.weekday())).isoformat(),
    timezone=TIMEZONE,
    day_offset=1,
)


class ScopeConfig(dg.Config):
    """What one run of a partitioned asset covers, within its partition range.

    ``incremental``: the crawl takes what is new since the last successful crawl (conditional
    feed and sitemaps; the scheduled run does this) and every step works on what changed;
    otherwise the range (narrowed by ``since``/``until``, CST days) is backfilled and its
    topics and events recomputed.
    """

    incremental: bool = False
    since: str | None = None
    until: str | None = None
    # The instant alerts' poll: the feed only (no sitemaps, no archives, no retries).
    feed_only: bool = False


@dataclass(frozen=True)
class RunScope:
    """The days a run covers and how: ``span`` holds the publication instants it writes."""

    first: date
    last: date
    incremental: bool
    feed_only: bool = False

    @property
    def span(self) -> Span:
        return Span.of_days(self.first, self.last)

    def describe(self) -> str:
        how = "incremental" if self.incremental else "backfill"
        return f"{how} {self.first.isoformat()} .. {self.last.isoformat()}"


def partition_days(context: dg.AssetExecutionContext) -> tuple[date, date] | None:
    """First and last publication day (inclusive) of the run's partition range, if any."""
    if not (context.has_partition_key or context.has_partition_key_range):
        return None
    window = context.partition_time_window
    return window.start.date(), (window.end - timedelta(days=1)).date()


def run_scope(context: dg.AssetExecutionContext, config: ScopeConfig) -> RunScope:
    """The scope of this run: its partition range, narrowed by the config's days."""
    days = partition_days(context)
    if days is None:
        raise dg.Failure(description="a partitioned asset ran without a partition")
    first, last = days
    since = date.fromisoformat(config.since) if config.since else first
    until = date.fromisoformat(config.until) if config.until else last
    if since < first or until > last or until < since:
        raise dg.Failure(
            description=(f"days {since} .. {until} are not within the partitions {first} .. {last}")
        )
    return RunScope(
        first=since, last=until, incremental=config.incremental, feed_only=config.feed_only
    )


def first_partition_day() -> date:
    """The first day of the first partition."""
    return date.fromisoformat(FIRST_DAY)


def month_key(day: date) -> str:
    """The partition key of the month holding ``day``."""
    return day.replace(day=1).isoformat()


def range_tags(first: date, last: date) -> dict[str, str]:
    """Run tags that make one run cover the months from ``first``'s to ``last``'s."""
    return {RANGE_START_TAG: month_key(first), RANGE_END_TAG: month_key(last)}


def scope_config(
    *, incremental: bool, since: date | None, until: date | None, feed_only: bool = False
) -> dict:
    """Run config giving each partitioned asset the same scope."""
    values = {
        "feed_only": feed_only,
        "incremental": incremental,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
    }
    return {"ops": {name: {"config": values} for name in PARTITIONED_ASSETS}}


def partitioned(group: str, kind: str, *deps: str) -> dict[str, object]:
    """Decorator arguments of a monthly-partitioned asset run as one range (single run)."""
    return {
        "group_name": group,
        "kinds": {kind},
        "partitions_def": publication_months,
        "backfill_policy": dg.BackfillPolicy.single_run(),
        "deps": list(deps),
    }
