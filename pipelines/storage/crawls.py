"""Bookkeeping of crawls in ``crawl_runs``: their outcome, what awaits storing, the latest ones.

The lock on the running crawl (claim, heartbeat, end) is ``pipelines.storage.lock``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipelines.core import stats as keys
from pipelines.core.statuses import JUDGED_CRAWL, CrawlStatus
from pipelines.core.urls import ICHONGQING_SOURCE
from pipelines.storage.models import CrawlRun

# Clocks of two hosts (or one host before and after an NTP step) differ by this much at most.
CLOCK_TOLERANCE = timedelta(minutes=5)


def crawls_to_store(session: Session, source: str = ICHONGQING_SOURCE) -> list[CrawlRun]:
    """Crawls whose output is on disk and not yet stored, oldest first, locked for this
    transaction: two runs storing at once never store the same crawl twice (PostgreSQL skips
    the rows another run holds; SQLite has one writer at a time)."""
    query = (
        select(CrawlRun)
        .where(CrawlRun.status == CrawlStatus.CRAWLED, CrawlRun.source == source)
        .order_by(CrawlRun.id)
    )
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def next_crawl_to_store(
    session: Session, after: int, source: str = ICHONGQING_SOURCE
) -> CrawlRun | None:
    """The oldest crawl of ``source`` after crawl ``after`` whose output awaits storing, locked
    like :func:`crawls_to_store`: each crawl is stored in a transaction of its own."""
    query = (
        select(CrawlRun)
        .where(
            CrawlRun.status == CrawlStatus.CRAWLED,
            CrawlRun.id > after,
            CrawlRun.source == source,
        )
        .order_by(CrawlRun.id)
        .limit(1)
    )
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).first()


def give_up_storing(session: Session, crawl_id: int, why: str, now: datetime) -> None:
    """A crawl whose output cannot be stored is failed, so that it holds back no later crawl;
    its window is crawled again (it is no successful crawl)."""
    run = session.get(CrawlRun, crawl_id)
    if run is not None and run.status == CrawlStatus.CRAWLED:
        run.status = CrawlStatus.FAILED
        run.finished_at = now
        run.message = why


def last_successful_crawl(
    session: Session, source: str = ICHONGQING_SOURCE, now: datetime | None = None
) -> CrawlRun | None:
    """The newest successful crawl of ``source``; with ``now``, none dated after it (a run whose
    clock was ahead): trusting one would start the next window in the future and skip news."""
    query = select(CrawlRun).where(
        CrawlRun.status == CrawlStatus.SUCCESS, CrawlRun.source == source
    )
    if now is not None:
        query = query.where(CrawlRun.started_at <= now + CLOCK_TOLERANCE)
    return session.scalars(query.order_by(CrawlRun.started_at.desc()).limit(1)).first()


def crawl_from_the_future(session: Session, now: datetime) -> CrawlRun | None:
    """The newest crawl dated after ``now``: the clock jumped back since (or was ahead then)."""
    return session.scalars(
        select(CrawlRun)
        .where(CrawlRun.started_at > now + CLOCK_TOLERANCE)
        .order_by(CrawlRun.started_at.desc())
        .limit(1)
    ).first()


def latest_judged_crawl(session: Session, source: str = ICHONGQING_SOURCE) -> CrawlRun | None:
    """The newest crawl of ``source`` whose output was stored and judged (success or what
    went wrong)."""
    return session.scalars(
        select(CrawlRun)
        .where(CrawlRun.status.in_(JUDGED_CRAWL), CrawlRun.source == source)
        .order_by(CrawlRun.id.desc())
        .limit(1)
    ).first()


def previous_reading_crawl(
    session: Session, before: int, *, look_back: int = 50, source: str = ICHONGQING_SOURCE
) -> CrawlRun | None:
    """The newest judged crawl before crawl ``before`` that read article pages (so has field
    paths): a run that found nothing new says nothing about the site's markup."""
    query = (
        select(CrawlRun)
        .where(
            CrawlRun.id < before,
            CrawlRun.status.in_(JUDGED_CRAWL),
            # Drift is judged against the same site's markup.
            CrawlRun.source == source,
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


def latest_crawls(session: Session, limit: int = 5) -> list[CrawlRun]:
    """The newest crawls, newest first, whatever their status."""
    return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)))
