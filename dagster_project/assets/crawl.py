"""The crawl: ``raw_articles`` runs the ichongqing spider in its own process."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
from sqlalchemy import select

from crawlers.runner import CrawlError
from pipelines.monitoring import requests_by_status
from pipelines.storage.models import CrawlRun
from pipelines.storage.repository import crawl_state, last_successful_crawl, start_crawl_run
from pipelines.window import CrawlWindow, crawl_window

from ..partitions import partition_dates, publication_days
from ..resources import DatabaseResource, SourceSiteResource

# A crawl still marked running after this long died without saying so.
STALE_CRAWL = timedelta(hours=3)
CRAWL_POOL = "cqmonitor_crawl"


class CrawlConfig(dg.Config):
    """How the partitions are crawled.

    ``incremental``: take what is new since the last successful crawl (conditional feed and
    sitemaps; the scheduled daily run does this); otherwise exactly the partitions' days.
    """

    incremental: bool = False


def crawl_metadata(stats: dict[str, Any]) -> dict[str, Any]:
    """The numbers an operator reads first, from Scrapy's stats."""
    errors = {k.split("/", 1)[1]: int(v) for k, v in stats.items() if k.startswith("errors/")}
    return {
        "requests": int(stats.get("downloader/request_count", 0)),
        "requests_by_status": dg.MetadataValue.json(requests_by_status(stats)),
        "articles_scraped": int(stats.get("articles/scraped", 0)),
        "articles_not_modified": int(stats.get("articles/not_modified", 0)),
        "articles_skipped_unchanged": int(stats.get("articles/skipped_unchanged", 0)),
        "retries": int(stats.get("retry/count", 0)),
        "errors_by_kind": dg.MetadataValue.json(errors),
        "finish_reason": str(stats.get("finish_reason", "")),
    }


def _window(
    context: dg.AssetExecutionContext, config: CrawlConfig, last: datetime | None, now: datetime
) -> CrawlWindow:
    days = partition_dates(context)
    if config.incremental or days is None:
        return crawl_window(since=None, until=None, last_success=last, now=now)
    return crawl_window(since=days[0], until=days[1], last_success=last, now=now)


@dg.asset(
    group_name="crawl",
    kinds={"scrapy"},
    partitions_def=publication_days,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=CRAWL_POOL,
)
def raw_articles(
    context: dg.AssetExecutionContext,
    config: CrawlConfig,
    database: DatabaseResource,
    source_site: SourceSiteResource,
) -> dg.MaterializeResult:
    """Articles fetched from iChongqing by the Scrapy spider, as JSON Lines."""
    now = datetime.now(UTC)
    with database.session() as session:
        # One crawl at a time, whatever the Dagster instance's pools say: two crawls would
        # read the same state and race on the same rows.
        running = session.scalars(
            select(CrawlRun).where(
                CrawlRun.status == "running", CrawlRun.started_at > now - STALE_CRAWL
            )
        ).first()
        if running is not None:
            since = f"{running.started_at:%Y-%m-%d %H:%M} UTC"
            raise dg.Failure(
                description=f"crawl {running.id} is still running (since {since}): one at a time"
            )
        last = last_successful_crawl(session)
        window = _window(context, config, last.started_at if last else None, now)
        state = crawl_state(session)
        run = start_crawl_run(
            session,
            source_url=source_site.url,
            since=window.since.isoformat(),
            until=window.until.isoformat() if window.until else None,
            now=now,
        )
        crawl_run_id = run.id
    context.log.info(f"crawl {crawl_run_id}: {window.describe()} from {source_site.base_url}")
    run_dir = Path(source_site.work_dir).resolve() / f"run-{crawl_run_id:06d}"
    try:
        result = source_site.crawl(
            run_dir=run_dir,
            since=window.since,
            until=window.until,
            backfill=window.backfill,
            changed_since=window.changed_since,
            state=state,
            log=lambda line: context.log.info(f"[scrapy] {line}"),
        )
    except CrawlError as exc:
        with database.session() as session:
            failed = session.get(CrawlRun, crawl_run_id)
            if failed is not None:
                failed.status = "failed"
                failed.finished_at = datetime.now(UTC)
                failed.message = str(exc)
        raise dg.Failure(description=f"the crawl failed: {exc}") from exc
    with database.session() as session:
        done = session.get(CrawlRun, crawl_run_id)
        if done is not None:
            # Crawled, not yet stored; this also releases the one-crawl-at-a-time lock.
            done.status = "crawled"
            done.stats = result.stats
            done.items_path = str(result.items_path)
            done.requests = int(result.stats.get("downloader/request_count", 0))
    return dg.MaterializeResult(
        metadata={
            "crawl_run_id": crawl_run_id,
            "window": window.describe(),
            "items_path": dg.MetadataValue.path(str(result.items_path)),
            "log_path": dg.MetadataValue.path(str(result.log_path)),
            **crawl_metadata(result.stats),
        },
    )
