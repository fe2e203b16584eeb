"""The crawl: ``raw_articles`` runs the ichongqing spider in its own process.

It holds the crawl lock (``pipelines.storage.lock``) for the length of the crawl: claimed at
the start (a stale lock is taken over), kept alive by a heartbeat, and released on every way
out, marked ``crawled``, ``failed`` or ``interrupted`` (``pipelines.lease``).
"""

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg

from crawlers.runner import PROGRESS_MARK, CrawlError
from pipelines.core import stats as keys
from pipelines.core.problems import RERUN, Problem
from pipelines.interrupts import recording_signals
from pipelines.lease import CrawlLease, LeaseLost
from pipelines.monitoring import requests_by_status
from pipelines.storage.crawl_state import crawl_state
from pipelines.storage.crawls import crawl_from_the_future, last_successful_crawl
from pipelines.storage.lock import CrawlBusy, Owner, claim_crawl
from pipelines.storage.models import CrawlRun
from pipelines.window import CrawlWindow, crawl_window

from ..errors import problem_failure
from ..partitions import RunScope, ScopeConfig, partitioned, run_scope
from ..resources import DatabaseResource, SourceSiteResource

CRAWL_POOL = "cqmonitor_crawl"
progress_log = logging.getLogger("cqmonitor.crawl")
_WORTH_A_LINE = ("] WARNING: ", "] ERROR: ", "] CRITICAL: ", "Spider closed", "Closing spider")


def _log_line(context: dg.AssetExecutionContext, line: str) -> None:
    """A line of the crawl's log that an operator needs, into the run log: progress, warnings,
    errors, the end. The rest (settings, tracebacks, stats) stays in the crawl's own log file,
    named in the asset's metadata: each run-log line is a write to the Dagster instance.

    A progress line also goes to ``cqmonitor.log`` and onto the terminal when there is one
    (stderr otherwise stays one line per failure)."""
    if PROGRESS_MARK in line:
        text = line[line.index(PROGRESS_MARK) :]
        context.log.info(text)
        progress_log.info(text)
        if sys.stderr.isatty():
            print(text, file=sys.stderr, flush=True)
    elif any(mark in line for mark in _WORTH_A_LINE):
        context.log.info(f"[scrapy] {line}")


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


def clock_warning(ahead: CrawlRun | None, now: datetime) -> str | None:
    """A clock jump, said once per run: a crawl is dated after now."""
    if ahead is None:
        return None
    return (
        f"clock jump: crawl {ahead.id} is dated {ahead.started_at:%Y-%m-%d %H:%M} UTC, "
        f"{ahead.started_at - now} after now ({now:%Y-%m-%d %H:%M} UTC); the clock was ahead "
        "then or is behind now: that crawl is not taken as the last success"
    )


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
    me = Owner.current()
    with database.session() as session:
        last = last_successful_crawl(session, now=now)
        ahead = crawl_from_the_future(session, now)
    clock = clock_warning(ahead, now)
    if clock:
        context.log.warning(clock)
    window = _window(scope, last.started_at if last else None, now)
    try:
        # One crawl at a time, whatever the Dagster instance's pools say: two crawls would
        # read the same state and race on the same rows.
        with database.session() as session:
            run, notes = claim_crawl(
                session,
                me=me,
                source_url=source_site.url,
                since=window.since.isoformat(),
                until=window.until.isoformat() if window.until else None,
                now=now,
                dagster_run_id=context.run.run_id,
            )
            crawl_id = run.id
    except CrawlBusy as exc:
        raise problem_failure(
            Problem("crawl", str(exc), "wait for it to end, or `cqmonitor unlock` if it is stuck")
        ) from exc
    for note in notes:
        context.log.warning(note)
    context.log.info(f"crawl {crawl_id}: {window.describe()} from {source_site.base_url}")
    try:
        with (
            recording_signals() as last_signal,
            CrawlLease(database.factory, crawl_id, me, last_signal=last_signal) as lease,
        ):
            with database.session() as session:
                state = crawl_state(session)
            result = source_site.crawl(
                run_dir=Path(source_site.work_dir).resolve() / f"run-{crawl_id:06d}",
                since=window.since,
                until=window.until,
                backfill=window.backfill,
                changed_since=window.changed_since,
                state=state,
                log=lambda line: _log_line(context, line),
                feed_only=scope.feed_only,
                cancel=lease.cancelled,
                database_url=database.url,
            )
            lease.crawled(
                stats=result.stats,
                items_path=str(result.items_path),
                requests=int(result.stats.get(keys.REQUEST_COUNT, 0)),
            )
    except (CrawlError, LeaseLost) as exc:
        raise problem_failure(Problem(f"crawl {crawl_id}", str(exc), RERUN)) from exc
    return dg.MaterializeResult(
        metadata={
            "crawl_run_id": crawl_id,
            "window": window.describe(),
            "clock_warning": clock or "",
            "scope": scope.describe(),
            "items_path": dg.MetadataValue.path(str(result.items_path)),
            "log_path": dg.MetadataValue.path(str(result.log_path)),
            **crawl_metadata(result.stats),
        },
    )
