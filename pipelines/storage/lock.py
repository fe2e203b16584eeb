"""The crawl lock: the one ``crawl_runs`` row marked ``running``.

Claimed atomically: on SQLite the claim is a ``BEGIN IMMEDIATE`` transaction (one writer at a
time), on PostgreSQL a transaction-scoped advisory lock serialises claimers; under both, the
unique partial index on ``status = 'running'`` refuses a second running row whatever happens.
Owned: the row names its host and pid. Alive by heartbeat: the owner refreshes ``heartbeat_at``
every few seconds (``pipelines.lease``). A row whose heartbeat is older than
:data:`STALE_AFTER`, or whose owner pid is gone on this host, is taken over and marked
``abandoned`` with the reason; nothing waits hours for a crawl that died.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipelines.core.owner import Owner, process_gone
from pipelines.core.problems import CodedError
from pipelines.core.statuses import CrawlStatus
from pipelines.core.urls import ICHONGQING_SOURCE
from pipelines.storage.db import begin_exclusive
from pipelines.storage.models import CrawlRun

__all__ = [
    "HEARTBEAT_EVERY",
    "STALE_AFTER",
    "CrawlBusy",
    "Owner",
    "claim_crawl",
    "describe_holder",
    "end_crawl",
    "heartbeat",
    "lock_holder",
    "process_gone",
    "release_crawled",
    "stale_reason",
    "unlock",
]

RUNNING_INDEX = "uq_crawl_runs_running"
HEARTBEAT_EVERY = timedelta(seconds=5)
STALE_AFTER = timedelta(minutes=2)


def _ago(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"


def last_sign_of_life(run: CrawlRun) -> datetime:
    return run.heartbeat_at or run.started_at


def describe_holder(run: CrawlRun, now: datetime) -> str:
    """'crawl 12 (pid 41 on host, started 2026-12-01 08:00 UTC, heartbeat 3 s ago)'."""
    owner = f"pid {run.pid} on {run.host}" if run.pid else "owner unknown"
    return (
        f"crawl {run.id} ({owner}, started {run.started_at:%Y-%m-%d %H:%M} UTC, "
        f"heartbeat {_ago(now - last_sign_of_life(run))} ago)"
    )


def stale_reason(
    run: CrawlRun, *, now: datetime, me: Owner, stale_after: timedelta = STALE_AFTER
) -> str | None:
    """Why ``run``'s lock may be taken over, or None while its owner is alive."""
    if run.host and run.pid and Owner(run.host, run.pid).gone(me):
        return f"its process (pid {run.pid} on {run.host}) is gone"
    beat = last_sign_of_life(run)
    if now - beat > stale_after:
        owner = f"pid {run.pid} on {run.host}" if run.pid else "its owner"
        return f"no heartbeat from {owner} for {_ago(now - beat)}"
    return None


class CrawlBusy(CodedError, RuntimeError):
    """Another crawl holds the lock and is alive; ``str()`` names it."""

    what = "crawl"
    todo = "wait for it to end, or `cqmonitor unlock` if stuck"


def lock_holder(session: Session, source: str | None = None) -> CrawlRun | None:
    """The running crawl of ``source`` (None: of any source), if any (alive or not)."""
    query = select(CrawlRun).where(CrawlRun.status == CrawlStatus.RUNNING)
    if source is not None:
        query = query.where(CrawlRun.source == source)
    return session.scalars(query.order_by(CrawlRun.id)).first()


def _serialise_claims(session: Session) -> None:
    """Make this transaction the only one claiming, until it ends."""
    if session.get_bind().dialect.name == "sqlite":
        # A second claimer waits here (busy_timeout), then sees the first one's row.
        begin_exclusive(session)
    else:
        # Per schema: databases shared by several deployments (or test schemas) do not
        # serialise each other's claims.
        key = "hashtext('cqmonitor crawl lock ' || current_schema())"
        session.execute(text(f"SELECT pg_advisory_xact_lock({key})"))


def claim_crawl(
    session: Session,
    *,
    me: Owner,
    source_url: str,
    since: str | None,
    until: str | None,
    now: datetime,
    dagster_run_id: str | None = None,
    stale_after: timedelta = STALE_AFTER,
    source: str = ICHONGQING_SOURCE,
) -> tuple[CrawlRun, list[str]]:
    """Claim the lock in this (fresh) transaction: the new running row, and notes of takeovers.

    Raises :class:`CrawlBusy` when a live crawl holds it. Commit promptly: until then the
    other claimers wait.
    """
    _serialise_claims(session)
    notes: list[str] = []
    holder = lock_holder(session, source)
    if holder is not None:
        reason = stale_reason(holder, now=now, me=me, stale_after=stale_after)
        if reason is None:
            raise CrawlBusy(f"{describe_holder(holder, now)} is running")
        holder.status = CrawlStatus.ABANDONED
        holder.finished_at = now
        holder.message = f"abandoned: {reason}; the lock was taken over by {me.describe()}"
        session.flush()
        notes.append(f"crawl {holder.id} abandoned: {reason}")
    run = CrawlRun(
        source=source,
        source_url=source_url,
        since=since,
        until=until,
        started_at=now,
        status=CrawlStatus.RUNNING,
        host=me.host,
        pid=me.pid,
        heartbeat_at=now,
        dagster_run_id=dagster_run_id,
    )
    session.add(run)
    try:
        session.flush()
    except IntegrityError as exc:
        # Only if claims were not serialised (a database another tool writes to).
        if RUNNING_INDEX not in str(exc.orig) and "crawl_runs.status" not in str(exc.orig):
            raise
        raise CrawlBusy("another crawl claimed the lock at the same moment") from exc
    return run, notes


def _owned(crawl_id: int, me: Owner) -> list[object]:
    return [
        CrawlRun.id == crawl_id,
        CrawlRun.status == CrawlStatus.RUNNING,
        CrawlRun.host == me.host,
        CrawlRun.pid == me.pid,
    ]


def heartbeat(session: Session, crawl_id: int, me: Owner, *, now: datetime) -> bool:
    """Say the crawl is alive; False when the lock is no longer ours (taken over, unlocked)."""
    result = session.execute(update(CrawlRun).where(*_owned(crawl_id, me)).values(heartbeat_at=now))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def end_crawl(
    session: Session,
    crawl_id: int,
    me: Owner,
    *,
    status: CrawlStatus,
    message: str | None,
    now: datetime,
) -> bool:
    """End our crawl (``failed``, ``interrupted``...); False if it was no longer ours."""
    result = session.execute(
        update(CrawlRun)
        .where(*_owned(crawl_id, me))
        .values(status=status, finished_at=now, message=message, heartbeat_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release_crawled(
    session: Session,
    crawl_id: int,
    me: Owner,
    *,
    stats: dict[str, object],
    items_path: str,
    requests: int,
    now: datetime,
) -> bool:
    """Crawled, output on disk, not yet stored: this releases the lock. False if not ours."""
    result = session.execute(
        update(CrawlRun)
        .where(*_owned(crawl_id, me))
        .values(
            status=CrawlStatus.CRAWLED,
            stats=stats,
            items_path=items_path,
            requests=requests,
            heartbeat_at=now,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def unlock(
    session: Session, *, by: str, now: datetime, source: str | None = None
) -> CrawlRun | None:
    """Clear the lock by hand: the running crawl is marked ``abandoned``, naming ``by``.

    If its owner still runs, its next heartbeat finds the row gone and it stops its crawl.
    """
    _serialise_claims(session)
    holder = lock_holder(session, source)
    if holder is None:
        return None
    holder.status = CrawlStatus.ABANDONED
    holder.finished_at = now
    holder.message = f"unlocked by {by} at {now:%Y-%m-%d %H:%M:%S} UTC"
    return holder
