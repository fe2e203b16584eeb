"""One configured source crawled and stored, start to end, under its own crawl lock.

The same steps as iChongqing's ``raw_articles`` then ``articles``, for one source: claim the
source's lock (one crawl per source, so per host, at a time; other sources crawl meanwhile), crawl
with the generic spider in a child process while the lease's heartbeat runs, then store that
source's crawled output keyed by its own article keys (host and path) and judge its health. A
failure is this source's only: it ends its own crawl row and raises, touching no other source.

Plain Python over a session factory, so Dagster assets, Celery workers and the benchmark call
the same function.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from crawlers.runner import CrawlRequest, run_crawl
from pipelines.core import stats as keys
from pipelines.core.instants import EVERYTHING, Span
from pipelines.crawl_output import CrawlOutput
from pipelines.lease import CrawlLease
from pipelines.monitoring import COVERAGE_THRESHOLDS, assess_crawl
from pipelines.sources import Source
from pipelines.storage.crawl_state import crawl_state
from pipelines.storage.crawls import crawls_to_store, record_stored
from pipelines.storage.db import begin_exclusive, session_scope
from pipelines.storage.ingest import apply_crawl_items
from pipelines.storage.lock import Owner, claim_crawl

# A generic source is read by the generic path on every page: that is its site path, not drift.
NO_DRIFT = 1.0
# Many sites give a publication day and no time of day: for a generic source that is a date
# (midnight in its timezone), not a miss; a page with no date at all is dropped and counted.
GENERIC_THRESHOLDS = {
    name: share for name, share in COVERAGE_THRESHOLDS.items() if name != "published_at"
}


@dataclass
class SourceOutcome:
    """What one source's crawl and store did."""

    source: str
    crawl_ids: list[int] = field(default_factory=list)
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    status: str = ""
    problems: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    items_path: str = ""
    log_path: str = ""


def spider_args(source: Source) -> dict[str, str]:
    """The ``source`` spider's arguments for ``source``."""
    args = {"source_name": source.name, "timezone": source.timezone}
    if source.feeds:
        args["feeds"] = json.dumps(list(source.feeds))
    if source.sitemaps:
        args["sitemaps"] = json.dumps(list(source.sitemaps))
    if source.article_pattern:
        args["article_pattern"] = source.article_pattern
    return args


def store_source(
    session: Session, source: str, outcome: SourceOutcome, span: Span = EVERYTHING
) -> None:
    """Store every crawled, not yet stored output of ``source`` (its articles published in
    ``span``) and judge each crawl."""
    begin_exclusive(session)
    for run in crawls_to_store(session, source):
        stats = dict(run.stats or {})
        health = assess_crawl(stats, thresholds=GENERIC_THRESHOLDS, fallback_share=NO_DRIFT)
        result = apply_crawl_items(
            session,
            CrawlOutput(Path(run.items_path or "items.jsonl.missing")).items(),
            now=datetime.now(UTC),
            span=span,
            source=source,
        )
        failed = len(result.failed) + len(result.rejected)
        record_stored(
            run,
            seen=result.seen,
            new=len(result.new_ids),
            updated=len(result.updated_ids),
            unchanged=result.unchanged,
            failed=failed,
            status=health.status,
            extra_stats={
                keys.HEALTH_COVERAGE: health.coverage,
                keys.HEALTH_PROBLEMS: health.problems,
                keys.HEALTH_WARNINGS: health.warnings,
            },
            message="; ".join(health.problems) or None,
            now=datetime.now(UTC),
        )
        outcome.new += len(result.new_ids)
        outcome.updated += len(result.updated_ids)
        outcome.unchanged += result.unchanged
        outcome.failed += failed
        outcome.status = str(health.status)
        outcome.problems += health.problems


def crawl_and_store_source(
    factory: sessionmaker[Session],
    source: Source,
    *,
    work_dir: Path,
    since: date | None = None,
    until: date | None = None,
    backfill: bool = False,
    delay: float = 2.0,
    scrapy_settings: dict[str, str] | None = None,
    span: Span = EVERYTHING,
    log: Callable[[str], None] | None = None,
    dagster_run_id: str | None = None,
) -> SourceOutcome:
    """Crawl ``source`` and store what it read (see the module docstring).

    Raises ``CrawlBusy`` when a live crawl of the same source holds its lock, ``CrawlError``
    or ``LeaseLost`` when the crawl fails (its row is then ``failed``).
    """
    me = Owner.current()
    now = datetime.now(UTC)
    outcome = SourceOutcome(source=source.name)
    with session_scope(factory) as session:
        run, notes = claim_crawl(
            session,
            me=me,
            source=source.name,
            source_url=source.url,
            since=since.isoformat() if since else None,
            until=until.isoformat() if until else None,
            now=now,
            dagster_run_id=dagster_run_id,
        )
        crawl_id = run.id
    for note in notes:
        # A stale crawl of this source taken over: said, never silent.
        if log is not None:
            log(note)
    outcome.crawl_ids.append(crawl_id)
    with CrawlLease(factory, crawl_id, me) as lease:
        with session_scope(factory) as session:
            state = crawl_state(session, source=source.name)
        request = CrawlRequest(
            source_url=source.url,
            workdir=work_dir / source.name / f"run-{crawl_id:06d}",
            since=since,
            until=until,
            backfill=backfill,
            state=state,
            robots_cache=work_dir / "robots-cache.json",
            delay=source.delay if source.delay is not None else delay,
            settings=dict(scrapy_settings or {}),
            spider="source",
            spider_args=spider_args(source),
        )
        result = run_crawl(request, log=log, cancel=lease.cancelled)
        lease.crawled(
            stats=result.stats,
            items_path=str(result.items_path),
            requests=int(result.stats.get(keys.REQUEST_COUNT, 0)),
        )
    outcome.stats = result.stats
    outcome.items_path = str(result.items_path)
    outcome.log_path = str(result.log_path)
    with session_scope(factory) as session:
        store_source(session, source.name, outcome, span)
    return outcome
