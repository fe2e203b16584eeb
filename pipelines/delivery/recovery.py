"""Settling digests an earlier run left unsettled (reply lost, crash) by reading Slack back.

When a run cannot know whether Slack accepted a message, the digest stays ``posting`` with its
claims held; the next run looks for the message in the channel by its metadata (digest id and
part) and either marks the items delivered or releases them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from pipelines.core.statuses import DigestStatus
from pipelines.slack import SlackSender
from pipelines.storage.db import session_scope
from pipelines.storage.ledger import (
    finish_digest,
    mark_delivered,
    posted_parts,
    release_claims,
    take_over_digest,
    unsettled_digests,
)
from pipelines.subscriptions import Subscription


def delivered(
    factory: sessionmaker[Session],
    digest_id: int,
    items: Iterable[Sequence[str]],
    ts: str,
    now: datetime,
) -> None:
    with session_scope(factory) as session:
        mark_delivered(session, digest_id, items, ts, now)


def release(factory: sessionmaker[Session], digest_id: int, items: Iterable[Sequence[str]]) -> None:
    keys = [tuple(i) for i in items]
    if keys:
        with session_scope(factory) as session:
            release_claims(session, digest_id, keys)


def finish(
    factory: sessionmaker[Session],
    digest_id: int,
    *,
    status: DigestStatus,
    error: str | None,
    now: datetime | None,
) -> None:
    with session_scope(factory) as session:
        finish_digest(session, digest_id, status=status, error=error, now=now)


def recover(
    factory: sessionmaker[Session],
    sender: SlackSender,
    subscription: Subscription,
    now: datetime,
    stale_after: timedelta,
) -> list[str]:
    """Settle digests a previous run left unsettled; returns notes on what was found."""
    with session_scope(factory) as session:
        candidates = unsettled_digests(session, subscription.name, subscription.channel)
    notes: list[str] = []
    for digest_id, status, error, created_at in candidates:
        ended = status == DigestStatus.POSTING and error is not None
        if not ended and created_at > now - stale_after:
            continue  # possibly a run in progress right now
        with session_scope(factory) as session:
            took = take_over_digest(session, digest_id, status)
        if not took:
            continue  # another run took it over first
        try:
            notes.append(_recover_one(factory, sender, subscription.channel, digest_id, now))
        except BaseException:
            # Leave it for the next run, as it was.
            finish(factory, digest_id, status=DigestStatus(status), error=error, now=None)
            raise
    return notes


def _recover_one(
    factory: sessionmaker[Session],
    sender: SlackSender,
    channel: str,
    digest_id: int,
    now: datetime,
) -> str:
    with session_scope(factory) as session:
        parts, posted = posted_parts(session, digest_id)
    total = len(parts)
    for index, stored in enumerate(parts, start=1):
        if index <= len(posted):
            continue  # confirmed when it was posted
        if stored.get("standalone"):
            thread_ts = stored.get("reply_to")
        else:
            thread_ts = posted[0] if posted and index > 1 else None
        ts = sender.find_posted(channel, digest_id, index, thread_ts=thread_ts)
        if ts is None:
            rest = [item for p in parts[index - 1 :] for item in p.get("items", [])]
            release(factory, digest_id, rest)
            error = (
                f"recovered: part {index}/{total} was never posted; "
                f"{len(rest)} items released for the next digest"
            )
            finish(factory, digest_id, status=DigestStatus.FAILED, error=error, now=None)
            return f"digest {digest_id}: {error}"
        delivered(factory, digest_id, stored.get("items", []), ts, now)
        posted.append(ts)
    status = DigestStatus.SENT if any(p.get("items") for p in parts) else DigestStatus.EMPTY
    finish(factory, digest_id, status=status, error=None, now=now)
    return f"digest {digest_id}: found all {total} parts already posted; marked delivered"
