"""The crawl lock on SQLite and PostgreSQL: atomic, owned, alive by heartbeat, taken over when
stale; and the lease that holds it for a crawl. Real databases, real threads and processes."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from pipelines.core.statuses import CrawlStatus
from pipelines.lease import CrawlLease
from pipelines.storage.db import make_engine, migrate, session_factory, session_scope
from pipelines.storage.lock import (
    CrawlBusy,
    Owner,
    claim_crawl,
    heartbeat,
    lock_holder,
    process_gone,
    unlock,
)
from pipelines.storage.models import CrawlRun

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
ELSEWHERE = Owner("another-host", 4242)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    migrate(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


def claim(factory: sessionmaker[Session], me: Owner, now: datetime = NOW) -> tuple[int, list[str]]:
    with session_scope(factory) as session:
        run, notes = claim_crawl(
            session, me=me, source_url="http://127.0.0.1:1", since=None, until=None, now=now
        )
        return run.id, notes


def crawl(factory: sessionmaker[Session], crawl_id: int) -> CrawlRun:
    with session_scope(factory) as session:
        row = session.get(CrawlRun, crawl_id)
        assert row is not None
        return row


def test_a_live_holder_refuses_a_second_claim(factory: sessionmaker[Session]) -> None:
    first, notes = claim(factory, ELSEWHERE)
    assert notes == []
    with pytest.raises(CrawlBusy, match=rf"crawl {first} \(pid 4242 on another-host.*heartbeat"):
        claim(factory, Owner("third-host", 1), NOW + timedelta(seconds=30))
    row = crawl(factory, first)
    assert (row.status, row.host, row.pid) == (CrawlStatus.RUNNING, "another-host", 4242)


def test_a_lock_without_heartbeat_for_two_minutes_is_taken_over(
    factory: sessionmaker[Session],
) -> None:
    first, _ = claim(factory, ELSEWHERE)
    later = NOW + timedelta(minutes=3)
    second, notes = claim(factory, Owner("third-host", 1), later)
    old = crawl(factory, first)
    assert old.status == CrawlStatus.ABANDONED and old.finished_at == later
    assert "no heartbeat from pid 4242 on another-host for 3 min" in (old.message or "")
    assert "taken over by pid 1 on third-host" in (old.message or "")
    assert notes == [
        f"crawl {first} abandoned: no heartbeat from pid 4242 on another-host for 3 min"
    ]
    assert crawl(factory, second).status == CrawlStatus.RUNNING


def test_a_heartbeat_keeps_the_lock(factory: sessionmaker[Session]) -> None:
    first, _ = claim(factory, ELSEWHERE)
    with session_scope(factory) as session:
        assert heartbeat(session, first, ELSEWHERE, now=NOW + timedelta(minutes=2))
    with pytest.raises(CrawlBusy):
        claim(factory, Owner("third-host", 1), NOW + timedelta(minutes=3))


def test_the_lock_of_a_gone_process_on_this_host_is_taken_over_at_once(
    factory: sessionmaker[Session],
) -> None:
    me = Owner.current()
    # A killed process not yet reaped (a zombie) is gone too.
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    first, _ = claim(factory, Owner(me.host, child.pid))
    child.kill()
    deadline = time.monotonic() + 5
    while not process_gone(child.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    second, notes = claim(factory, me, NOW + timedelta(seconds=5))
    child.wait()
    assert crawl(factory, first).status == CrawlStatus.ABANDONED
    assert notes == [f"crawl {first} abandoned: its process (pid {child.pid} on {me.host}) is gone"]
    assert crawl(factory, second).status == CrawlStatus.RUNNING


def test_claims_at_the_same_moment_give_one_crawl(engine: Engine) -> None:
    claimers = 6
    barrier = threading.Barrier(claimers)
    won: list[int] = []
    busy: list[str] = []

    def attempt(n: int) -> None:
        factory = session_factory(engine)
        barrier.wait()
        try:
            won.append(claim(factory, Owner(f"host-{n}", 100 + n))[0])
        except CrawlBusy as exc:
            busy.append(str(exc))

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(claimers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(won) == 1 and len(busy) == claimers - 1
    assert all(f"crawl {won[0]} (" in message for message in busy)
    with session_scope(session_factory(engine)) as session:
        assert len(session.scalars(select(CrawlRun)).all()) == 1


def test_the_database_refuses_two_running_crawls(factory: sessionmaker[Session]) -> None:
    claim(factory, ELSEWHERE)
    with pytest.raises(IntegrityError), session_scope(factory) as session:
        session.add(CrawlRun(source_url="x", status=CrawlStatus.RUNNING, started_at=NOW))
        session.flush()


def test_unlock_names_who_and_the_owner_loses_its_heartbeat(
    factory: sessionmaker[Session],
) -> None:
    first, _ = claim(factory, ELSEWHERE)
    with session_scope(factory) as session:
        released = unlock(session, by="ops (pid 7 on desk)", now=NOW + timedelta(minutes=1))
        assert released is not None and released.id == first
    row = crawl(factory, first)
    assert row.status == CrawlStatus.ABANDONED
    assert row.message == "unlocked by ops (pid 7 on desk) at 2026-12-01 08:01:00 UTC"
    with session_scope(factory) as session:
        assert not heartbeat(session, first, ELSEWHERE, now=NOW + timedelta(minutes=2))
        assert lock_holder(session) is None
    with session_scope(factory) as session:
        assert unlock(session, by="ops", now=NOW) is None


def test_a_lease_beats_and_stops_the_crawl_when_unlocked(factory: sessionmaker[Session]) -> None:
    me = Owner.current()
    crawl_id, _ = claim(factory, me, datetime.now(UTC))
    lease = CrawlLease(factory, crawl_id, me, every=timedelta(seconds=0.1))
    with lease:
        before = crawl(factory, crawl_id).heartbeat_at
        time.sleep(0.5)
        assert crawl(factory, crawl_id).heartbeat_at > before  # type: ignore[operator]
        assert lease.cancelled() is None
        with session_scope(factory) as session:
            unlock(session, by="ops", now=datetime.now(UTC))
        deadline = time.monotonic() + 5
        while lease.cancelled() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        reason = lease.cancelled() or ""
        assert reason.startswith(f"crawl {crawl_id} lost its lock (unlocked by ops at ")


@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        (KeyboardInterrupt(), CrawlStatus.INTERRUPTED, "interrupted"),
        (RuntimeError("disk on fire"), CrawlStatus.FAILED, "RuntimeError: disk on fire"),
    ],
)
def test_leaving_a_lease_by_an_exception_ends_the_crawl_with_why(
    factory: sessionmaker[Session], error: BaseException, status: CrawlStatus, message: str
) -> None:
    me = Owner.current()
    crawl_id, _ = claim(factory, me, datetime.now(UTC))
    with pytest.raises(type(error)), CrawlLease(factory, crawl_id, me):
        raise error
    row = crawl(factory, crawl_id)
    assert (row.status, row.message) == (status, message)
    assert row.finished_at is not None


def test_migration_0003_keeps_only_the_newest_running_crawl(database_url: str) -> None:
    migrate(database_url, "0002")
    engine = make_engine(database_url)
    with engine.begin() as conn:
        for _ in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO crawl_runs (started_at, status, source_url, requests, items,"
                    " new, updated, unchanged, failed, stats) VALUES (:at, 'running', 'x',"
                    " 0, 0, 0, 0, 0, 0, '{}')"
                ),
                {"at": "2026-11-30T08:00:00.000000+00:00"},
            )
    engine.dispose()
    migrate(database_url)
    engine = make_engine(database_url)
    factory = session_factory(engine)
    assert crawl(factory, 1).status == CrawlStatus.ABANDONED
    assert crawl(factory, 2).status == CrawlStatus.RUNNING
    # No heartbeat ever: the next claim takes it over.
    _, notes = claim(factory, Owner.current(), NOW)
    assert notes and notes[0].startswith("crawl 2 abandoned: no heartbeat from its owner")
    engine.dispose()
