"""``cqmonitor status`` and ``cqmonitor unlock``: what the last runs did, and a way out by hand.

``status`` shows the crawl lock (its owner, its heartbeat, whether a run would take it over),
the last runs and crawls with their one-line reasons, the digests not yet settled, the items
held back in quarantine, and what is pending per subscription.
``unlock`` marks the running crawl ``abandoned``, naming who did it; its owner, if alive,
stops crawling at its next heartbeat.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .options import db_options

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from pipelines.core.owner import Owner
    from pipelines.settings import Settings
    from pipelines.storage.models import CrawlRun, PipelineRun


def add_parser(sub: argparse._SubParsersAction) -> None:
    status = sub.add_parser(
        "status", help="the settings in force, the crawl lock, the last runs and crawls, digests"
    )
    db_options(status)
    status.set_defaults(func=cmd_status)

    unlock = sub.add_parser("unlock", help="clear the crawl lock by hand (crawl abandoned)")
    db_options(unlock)
    unlock.set_defaults(func=cmd_unlock)


@contextmanager
def _database(args: argparse.Namespace) -> Iterator[tuple[Settings, sessionmaker[Session]]]:
    from pipelines.storage.db import make_engine, session_factory

    from .options import existing_database, settings_from_args

    settings = settings_from_args(args, sending=False)
    existing_database(settings)
    engine = make_engine(settings.database_url)
    try:
        yield settings, session_factory(engine)
    finally:
        engine.dispose()


def _when(instant: datetime | None) -> str:
    return f"{instant:%Y-%m-%d %H:%M:%S} UTC" if instant else "-"


def lock_line(holder: CrawlRun | None, now: datetime, me: Owner) -> str:
    from pipelines.storage.lock import describe_holder, stale_reason

    if holder is None:
        return "crawl lock: free"
    line = f"crawl lock: held by {describe_holder(holder, now)}"
    stale = stale_reason(holder, now=now, me=me)
    return line + (f"; stale ({stale}): the next run takes it over" if stale else "")


def run_line(run: PipelineRun, me: Owner) -> str:
    from pipelines.core.owner import Owner
    from pipelines.core.statuses import RunStatus

    status = str(run.status)
    if run.status == RunStatus.RUNNING and Owner(run.host, run.pid).gone(me):
        status = f"running? its process (pid {run.pid}) is gone: killed"
    code = f" (exit {run.exit_code})" if run.exit_code is not None else ""
    why = f"  {run.message}" if run.message else ""
    return f"  run {run.id:<5} {run.command:<5} {_when(run.started_at)}  {status}{code}{why}"


def crawl_line(crawl: CrawlRun) -> str:
    window = f"{crawl.since or '?'} .. {crawl.until or 'now'}"
    counts = f"{crawl.requests} requests, {crawl.new} new, {crawl.updated} updated"
    why = f"  {crawl.message}" if crawl.message else ""
    return (
        f"  crawl {crawl.id:<5} {_when(crawl.started_at)}  {crawl.status:<14} {window}  "
        f"{counts}{why}"
    )


def quarantine_lines(session: Session) -> list[str]:
    """The items held back from storage, newest first, with their reasons."""
    from pipelines.storage.quarantine import quarantined_items

    total, held = quarantined_items(session)
    lines = [f"quarantined items: {total or 'none'}"]
    for item in held:
        url = item.url if item.url is None or len(item.url) <= 120 else f"{item.url[:117]}..."
        lines.append(
            f"  {url or '(no address)'}: {item.reason} (crawl {item.crawl_run_id}, "
            f"{item.attempts}x, last {_when(item.last_quarantined_at)})"
        )
    if total > len(held):
        lines.append(f"  ... and {total - len(held)} more (table quarantined_items)")
    return lines


def cmd_status(args: argparse.Namespace) -> int:
    from pipelines.core.owner import Owner
    from pipelines.storage.crawls import latest_crawls
    from pipelines.storage.db import session_scope
    from pipelines.storage.ledger import unsettled_digests
    from pipelines.storage.lock import lock_holder
    from pipelines.storage.runs import latest_runs

    from .subscriptions import pending_lines

    now, me = datetime.now(UTC), Owner.current()
    with _database(args) as (settings, factory), session_scope(factory) as session:
        lines = ["settings in force (secrets masked):"]
        lines += [f"  {name:<30} {value}" for name, value in settings.effective()]
        lines += [lock_line(lock_holder(session), now, me), "last runs:"]
        runs = latest_runs(session)
        lines += [run_line(run, me) for run in runs] or ["  none recorded"]
        lines.append("last crawls:")
        lines += [crawl_line(crawl) for crawl in latest_crawls(session)] or ["  none yet"]
        digests = unsettled_digests(session)
        lines.append(f"unsettled digests: {len(digests) or 'none'}")
        lines += [
            f"  digest {d.id} ({d.status}, {_when(d.created_at)}, channel {d.channel}): "
            f"{d.error or 'no reply recorded'}; the next run checks Slack's history"
            for d in digests
        ]
        lines += quarantine_lines(session)
        lines += ["pending per subscription:", *pending_lines(settings, factory)]
    print("\n".join(lines))
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    import getpass

    from pipelines.core.owner import Owner
    from pipelines.core.statuses import CrawlStatus
    from pipelines.storage.db import session_scope
    from pipelines.storage.lock import HEARTBEAT_EVERY, describe_holder, lock_holder, stale_reason
    from pipelines.storage.lock import unlock as release

    now, me = datetime.now(UTC), Owner.current()
    by = f"{getpass.getuser()} ({me.describe()})"
    with _database(args) as (_, factory), session_scope(factory) as session:
        holder = lock_holder(session)
        alive = holder is not None and stale_reason(holder, now=now, me=me) is None
        described = describe_holder(holder, now) if holder is not None else ""
        released = release(session, by=by, now=now)
    if released is None:
        print("cqmonitor unlock: no crawl holds the lock")
        return 0
    print(f"cqmonitor unlock: {described} marked {CrawlStatus.ABANDONED} by {by}")
    if alive:
        print(
            "its owner still sends heartbeats: it stops its crawl at its next one "
            f"(within {HEARTBEAT_EVERY.total_seconds():.0f} s)"
        )
    return 0
