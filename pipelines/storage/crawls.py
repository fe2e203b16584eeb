"""Bookkeeping of crawls in ``crawl_runs``: one at a time, their outcome, what awaits storing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipelines.core import stats as keys
from pipelines.core.statuses import CrawlStatus
from pipelines.storage.models import CrawlRun


def running_crawl(session: Session, *, now: datetime, stale_after: timedelta) -> CrawlRun | None:
    """A crawl marked running that started less than ``stale_after`` ago, if any."""
    return session.scalars(
        select(CrawlRun).where(
            CrawlRun.status == CrawlStatus.RUNNING, CrawlRun.started_at > now - stale_after
        )
    ).first()


def start_crawl_run(
    session: Session, *, source_url: str, since: str | None, until: str | None, now: datetime
) -> CrawlRun:
    run = CrawlRun(source_url=source_url, since=since, until=until, started_at=now)
    session.add(run)
    session.flush()
    return run


def mark_crawl_failed(session: Session, crawl_id: int, message: str, *, now: datetime) -> None:
    run = session.get(CrawlRun, crawl_id)
    if run is not None:
        run.status = CrawlStatus.FAILED
        run.finished_at = now
        run.message = message


def mark_crawled(
    session: Session, crawl_id: int, *, stats: Mapping[str, Any], items_path: str, requests: int
) -> None:
    """Crawled, not yet stored; this also releases the one-crawl-at-a-time lock."""
    run = session.get(CrawlRun, crawl_id)
    if run is not None:
        run.status = CrawlStatus.CRAWLED
        run.stats = dict(stats)
        run.items_path = items_path
        run.requests = requests


def crawls_to_store(session: Session) -> list[CrawlRun]:
    """Crawls whose output is on disk and not yet stored, oldest first."""
    query = select(CrawlRun).where(CrawlRun.status == CrawlStatus.CRAWLED)
    return list(session.scalars(query.order_by(CrawlRun.id)))


def last_successful_crawl(session: Session) -> CrawlRun | None:
    return session.scalar(
        select(CrawlRun)
        .where(CrawlRun.status == CrawlStatus.SUCCESS)
        .order_by(CrawlRun.started_at.desc())
    )


def latest_judged_crawl(session: Session) -> CrawlRun | None:
    """The newest crawl whose output was stored and judged (success or failed)."""
    return session.scalars(
        select(CrawlRun)
        .where(CrawlRun.status.in_((CrawlStatus.SUCCESS, CrawlStatus.FAILED)))
        .order_by(CrawlRun.id.desc())
    ).first()


def previous_reading_crawl(
    session: Session, before: int, *, look_back: int = 50
) -> CrawlRun | None:
    """The newest judged crawl before crawl ``before`` that read article pages (so has field
    paths): a run that found nothing new says nothing about the site's markup."""
    query = (
        select(CrawlRun)
        .where(
            CrawlRun.id < before,
            CrawlRun.status.in_((CrawlStatus.SUCCESS, CrawlStatus.FAILED)),
        )
        .order_by(CrawlRun.id.desc())
        .limit(look_back)
    )
    # JSON has no portable query: the recent crawls are few, their stats are read here.
    return next(
        (run for run in session.scalars(query) if (run.stats or {}).get(keys.HEALTH_FIELD_PATHS)),
        None,
    )


def record_stored(
    run: CrawlRun,
    *,
    seen: int,
    new: int,
    updated: int,
    unchanged: int,
    failed: int,
    status: CrawlStatus,
    extra_stats: Mapping[str, Any],
    message: str | None,
    now: datetime,
) -> None:
    """A crawl's output was stored: its counts and its judged health."""
    run.finished_at = now
    run.items = seen
    run.new = new
    run.updated = updated
    run.unchanged = unchanged
    run.failed = failed
    run.stats = {**(run.stats or {}), **extra_stats}
    run.status = status
    run.message = message
