"""The crawl: ``raw_articles`` runs the ichongqing spider in its own process."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg

from crawlers.runner import CrawlError
from pipelines.storage.repository import crawl_state, last_successful_crawl, start_crawl_run
from pipelines.window import crawl_window, parse_day

from ..resources import DatabaseResource, SourceSiteResource


class CrawlConfig(dg.Config):
    """A backfill window (China Standard Time dates, both ends included); empty = what is new."""

    since: str | None = None
    until: str | None = None


def _requests_by_status(stats: dict[str, Any]) -> dict[str, int]:
    prefix = "downloader/response_status_count/"
    return {k[len(prefix) :]: int(v) for k, v in stats.items() if k.startswith(prefix)}


def crawl_metadata(stats: dict[str, Any]) -> dict[str, Any]:
    """The numbers an operator reads first, from Scrapy's stats."""
    errors = {k.split("/", 1)[1]: int(v) for k, v in stats.items() if k.startswith("errors/")}
    return {
        "requests": int(stats.get("downloader/request_count", 0)),
        "requests_by_status": dg.MetadataValue.json(_requests_by_status(stats)),
        "articles_scraped": int(stats.get("articles/scraped", 0)),
        "articles_not_modified": int(stats.get("articles/not_modified", 0)),
        "articles_skipped_unchanged": int(stats.get("articles/skipped_unchanged", 0)),
        "errors_by_kind": dg.MetadataValue.json(errors),
        "finish_reason": str(stats.get("finish_reason", "")),
    }


@dg.asset(group_name="crawl", kinds={"scrapy"})
def raw_articles(
    context: dg.AssetExecutionContext,
    config: CrawlConfig,
    database: DatabaseResource,
    source_site: SourceSiteResource,
) -> dg.Output[dict[str, Any]]:
    """Articles fetched from iChongqing by the Scrapy spider, as JSON Lines."""
    now = datetime.now(UTC)
    since = parse_day(config.since, "since")
    until = parse_day(config.until, "until")
    with database.session() as session:
        last = last_successful_crawl(session)
        window = crawl_window(
            since=since, until=until, last_success=last.started_at if last else None, now=now
        )
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
            log=lambda line: context.log.debug(f"[scrapy] {line}"),
        )
    except CrawlError as exc:
        from pipelines.storage.models import CrawlRun

        with database.session() as session:
            failed = session.get(CrawlRun, crawl_run_id)
            if failed is not None:
                failed.status = "failed"
                failed.finished_at = datetime.now(UTC)
                failed.message = str(exc)
        raise dg.Failure(description=f"the crawl failed: {exc}") from exc
    value = {
        "crawl_run_id": crawl_run_id,
        "items_path": str(result.items_path),
        "stats": result.stats,
        "window": window.describe(),
    }
    return dg.Output(
        value,
        metadata={
            "crawl_run_id": crawl_run_id,
            "window": window.describe(),
            "items_path": dg.MetadataValue.path(str(result.items_path)),
            "log_path": dg.MetadataValue.path(str(result.log_path)),
            **crawl_metadata(result.stats),
        },
    )
