"""A claimed crawl lock held for the length of a crawl: heartbeat while it runs, an end
whatever way the crawl stops.

:class:`CrawlLease` is a context manager around the crawl. A thread refreshes the heartbeat
every few seconds. The lease is *lost* when the row is no longer ours (an operator ran
``cqmonitor unlock``, or another run took it over) or when the database has been unreachable
for half the stale limit: the crawl is then told to stop (``lost_reason``), so that no crawl
goes on unowned while another one starts. Leaving the block by an exception ends the row:
``interrupted`` for a signal or Ctrl-C (a ``BaseException`` that is not an ``Exception``),
``failed`` for anything else, each with its reason.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from pipelines.core.problems import CodedError
from pipelines.core.statuses import CrawlStatus
from pipelines.interrupts import interruption
from pipelines.storage.db import session_scope
from pipelines.storage.lock import (
    HEARTBEAT_EVERY,
    STALE_AFTER,
    Owner,
    end_crawl,
    heartbeat,
    release_crawled,
)
from pipelines.storage.models import CrawlRun

log = logging.getLogger(__name__)

# Ending a row survives a database that blinks (a restarted server, a dropped connection).
END_ATTEMPTS = 4
END_PAUSE = 1.0


class LeaseLost(CodedError, RuntimeError):
    """The lock is no longer ours; ``str()`` says why."""

    what = "crawl"


_OWN = ("crawlers", "pipelines", "dagster_project")


def first_line(exc: BaseException) -> str:
    """The exception in one line; its class named unless it is one of ours (those say it)."""
    text = str(exc).strip()
    if not text:
        return type(exc).__name__
    first = text.splitlines()[0]
    own = type(exc).__module__.split(".")[0] in _OWN
    return first if own else f"{type(exc).__name__}: {first}"


class CrawlLease:
    """The lock on crawl ``crawl_id``, held by ``me`` (see the module docstring)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        crawl_id: int,
        me: Owner,
        *,
        every: timedelta = HEARTBEAT_EVERY,
        give_up_after: timedelta = STALE_AFTER / 2,
        last_signal: Callable[[], str | None] = lambda: None,
    ) -> None:
        self.factory = factory
        self.crawl_id = crawl_id
        self.me = me
        self.every = every.total_seconds()
        self.give_up_after = give_up_after.total_seconds()
        self.last_signal = last_signal
        self.lost_reason: str | None = None
        self.ended = False
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"crawl-{crawl_id}-heartbeat", daemon=True
        )

    # -- heartbeat -------------------------------------------------------------------------

    def _beat(self) -> None:
        last_ok = time.monotonic()
        while not self._stop.wait(self.every):
            try:
                with session_scope(self.factory) as session:
                    ours = heartbeat(session, self.crawl_id, self.me, now=datetime.now(UTC))
            except SQLAlchemyError as exc:
                down = time.monotonic() - last_ok
                log.warning("crawl %s: heartbeat failed (%.0f s): %s", self.crawl_id, down, exc)
                if down >= self.give_up_after:
                    self._lose(f"the database was unreachable for {down:.0f} s: {first_line(exc)}")
                continue
            if not ours:
                self._lose(self._why_not_ours())
            last_ok = time.monotonic()

    def _why_not_ours(self) -> str:
        try:
            with session_scope(self.factory) as session:
                row = session.get(CrawlRun, self.crawl_id)
                said = row.message if row is not None else None
        except SQLAlchemyError:
            said = None
        return f"crawl {self.crawl_id} lost its lock" + (f" ({said})" if said else "")

    def _lose(self, reason: str) -> None:
        if self.lost_reason is None:
            self.lost_reason = reason
            log.error("crawl %s: %s: stopping it", self.crawl_id, reason)
        self._stop.set()

    def cancelled(self) -> str | None:
        """Why the crawl must stop now, or None: the runner polls this."""
        return self.lost_reason

    # -- endings ---------------------------------------------------------------------------

    def _write(self, action: Callable[[Session], bool]) -> bool:
        """Run one ending write, retrying a database that blinks; whether the row was ours."""
        for attempt in range(1, END_ATTEMPTS + 1):
            try:
                with session_scope(self.factory) as session:
                    return action(session)
            except SQLAlchemyError as exc:
                if attempt == END_ATTEMPTS:
                    raise
                log.warning("crawl %s: ending it failed, retrying: %s", self.crawl_id, exc)
                time.sleep(END_PAUSE * attempt)
        return False

    def crawled(self, *, stats: dict[str, Any], items_path: str, requests: int) -> None:
        """The crawl finished: its output awaits storing, and the lock is released."""
        self._stop.set()
        ours = self._write(
            lambda s: release_crawled(
                s,
                self.crawl_id,
                self.me,
                stats=stats,
                items_path=items_path,
                requests=requests,
                now=datetime.now(UTC),
            )
        )
        self.ended = True
        if not ours:
            raise LeaseLost(self.lost_reason or self._why_not_ours())

    def end(self, status: CrawlStatus, message: str) -> bool:
        """End the row with ``status`` and ``message``; False when it was no longer ours."""
        self._stop.set()
        self.ended = True
        return self._write(
            lambda s: end_crawl(
                s, self.crawl_id, self.me, status=status, message=message, now=datetime.now(UTC)
            )
        )

    # -- context manager -------------------------------------------------------------------

    def __enter__(self) -> CrawlLease:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 5)
        if exc is None or self.ended:
            return
        if isinstance(exc, Exception):
            status, message = CrawlStatus.FAILED, self.lost_reason or first_line(exc)
        else:
            # KeyboardInterrupt, SystemExit, Dagster's interruption: the process is stopping.
            status, message = CrawlStatus.INTERRUPTED, interruption(self.last_signal())
        try:
            self.end(status, message)
        except SQLAlchemyError as db_error:
            # The next run takes the lock over (its owner pid is gone, or no heartbeat).
            log.error("crawl %s: could not be marked %s: %s", self.crawl_id, status, db_error)
