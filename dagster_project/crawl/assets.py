"""The crawl: ``raw_articles`` runs the ichongqing spider in its own process."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg

from crawlers.runner import CrawlError
from pipelines.core import stats as keys
from pipelines.monitoring import requests_by_status
from pipelines.storage.crawls import (
    last_successful_crawl,
    mark_crawl_failed,
    mark_crawled,
    running_crawl,
    start_crawl_run,
)
from pipelines.storage.ingest import crawl_state
from pipelines.window import CrawlWindow, crawl_window

from ..partitions import RunScope, ScopeConfig, partitioned, run_scope
from ..resources import DatabaseResource, SourceSiteResource

# A crawl still marked running after this long died without saying so.
STALE_CRAWL = timedelta(hours=3)
CRAWL_POOL = "cqmonitor_crawl"


def crawl_metadata(stats: dict[str, Any]) -> dict[str, Any]:
    """The numbers an operator reads first, from Scrapy's stats."""
    return {
        "requests": int(stats.get(keys.REQUEST_COUNT, 0)),
        "requests_by_status": dg.MetadataValue.json(requests_by_status(stats)),
        "articles_scraped": int(stats.get(keys.ARTICLES_SCRAPED, 0)),
        "articles_not_modified": int(stats.get(keys.ARTICLES_NOT_MODIFIED, 0)),
        "articles_skipped_unchanged": int(stats.get(keys.ARTICLES_SKIPPED_UNCHANGED, 0)),
        "retries": int(stats.get(keys.RETRY_COUNT, 0)),
        "errors_by_kind": dg.MetadataValue.json(keys.with_prefix(stats, keys.ERRORS_PREFIX)),
        "finish_reason": str(stats.get(keys.FINISH_REASON, "")),
    }


def _window(scope: RunScope, last: datetime | None, now: datetime) -> CrawlWindow:
    if scope.incremental:
        return crawl_window(since=None, until=None, last_success=last, now=now)
    return crawl_window(since=scope.first, until=scope.last, last_success=last, now=now)


@dg.asset(**partitioned("crawl", "scrapy"), pool=CRAWL_POOL)
def raw_articles(
    context: dg.AssetExecutionContext,
    config: ScopeConfig,
    database: DatabaseResource,
    source_site: SourceSiteResource,
) -> dg.MaterializeResult:
    """Articles fetched from iChongqing by the Scrapy spider, as JSON Lines."""
    scope = run_scope(context, config)
    now = datetime.now(UTC)
    with database.session() as session:
        # One crawl at a time, whatever the Dagster instance's pools say: two crawls would
        # read the same state and race on the same rows.
        running = running_crawl(session, now=now, stale_after=STALE_CRAWL)
        if running is not None:
            since = f"{running.started_at:%Y-%m-%d %H:%M} UTC"
            raise dg.Failure(
                description=f"crawl {running.id} is still running (since {since}): one at a time"
            )
        last = last_successful_crawl(session)
        window = _window(scope, last.started_at if last else None, now)
        state = crawl_state(session)
        crawl_id = start_crawl_run(
            session,
            source_url=source_site.url,
            since=window.since.isoformat(),
            until=window.until.isoformat() if window.until else None,
            now=now,
        ).id
    context.log.info(f"crawl {crawl_id}: {window.describe()} from {source_site.base_url}")
    try:
        result = source_site.crawl(
            run_dir=Path(source_site.work_dir).resolve() / f"run-{crawl_id:06d}",
            since=window.since,
            until=window.until,
            backfill=window.backfill,
            changed_since=window.changed_since,
            state=state,
            log=lambda line: context.log.info(f"[scrapy] {line}"),
        )
    except CrawlError as exc:
        with database.session() as session:
            mark_crawl_failed(session, crawl_id, str(exc), now=datetime.now(UTC))
        raise dg.Failure(description=f"the crawl failed: {exc}") from exc
    with database.session() as session:
        mark_crawled(
            session,
            crawl_id,
            stats=result.stats,
            items_path=str(result.items_path),
            requests=int(result.stats.get(keys.REQUEST_COUNT, 0)),
        )
    return dg.MaterializeResult(
        metadata={
            "crawl_run_id": crawl_id,
            "window": window.describe(),
            "scope": scope.describe(),
            "items_path": dg.MetadataValue.path(str(result.items_path)),
            "log_path": dg.MetadataValue.path(str(result.log_path)),
            **crawl_metadata(result.stats),
        },
    )
