"""Freshness: operators hear of it when no crawl has succeeded for 26 hours."""

from datetime import UTC, datetime

import dagster as dg

from pipelines.storage.crawls import last_successful_crawl

from ..automation import FRESHNESS_LIMIT, sensor_status
from ..resources import DatabaseResource, SlackResource


def freshness_problem(last_success: datetime | None, now: datetime) -> str | None:
    """Why the crawl is stale, or None while it is fresh."""
    if last_success is None:
        return "no crawl has ever succeeded"
    age = now - last_success
    if age <= FRESHNESS_LIMIT:
        return None
    hours = age.total_seconds() / 3600
    return f"no successful crawl for {hours:.0f} hours (last at {last_success:%Y-%m-%d %H:%M} UTC)"


@dg.sensor(
    minimum_interval_seconds=30 * 60,
    # With schedules off nothing crawls, so this would only ever say "never": off with them.
    default_status=sensor_status(),
    description="Alerts Slack once when no crawl has succeeded for 26 hours.",
)
def crawl_freshness(
    context: dg.SensorEvaluationContext, database: DatabaseResource, slack: SlackResource
) -> dg.SkipReason:
    """Alert once per stale period: the cursor holds the last success already alerted on."""
    now = datetime.now(UTC)
    with database.session() as session:
        # A success dated in the future (a clock that was ahead) says nothing of freshness.
        last = last_successful_crawl(session, now=now)
        last_success = last.started_at if last else None
    problem = freshness_problem(last_success, now)
    marker = last_success.isoformat() if last_success else "never"
    if problem is None:
        return dg.SkipReason(f"fresh: last successful crawl at {marker}")
    if context.cursor == marker:
        return dg.SkipReason(f"stale, already alerted: {problem}")
    slack.alert(
        problem,
        step="crawl freshness",
        link=f"{slack.ui_url.rstrip('/')}/runs",
        log=context.log.warning,
    )
    context.update_cursor(marker)
    return dg.SkipReason(f"alerted: {problem}")
