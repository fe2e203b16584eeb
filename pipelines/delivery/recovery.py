"""Settling digests an earlier run left unsettled (reply lost, crash) by reading Slack back.

When a run cannot know whether Slack accepted a message, the digest stays ``posting`` with its
claims held; the next run looks for the message in the channel by its metadata (digest id and
part) and either marks the items delivered or releases them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from pipelines.core.owner import Owner
from pipelines.core.statuses import DigestStatus
from pipelines.slack import SlackDeliveryError, SlackSender
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
    """Settle digests a previous run left unsettled; returns notes on what was found.

    Never holds later digests back: a digest whose owner may still be posting, or whose Slack
    history cannot be read now, keeps its claims (so its items are not posted twice) and is
    named in a note, and the run goes on with everything else.
    """
    with session_scope(factory) as session:
        candidates = [
            (d.id, d.status, d.error, d.created_at, d.host, d.pid)
            for d in unsettled_digests(session, subscription.name, subscription.channel)
        ]
    notes: list[str] = []
    for digest_id, status, error, created_at, host, pid in candidates:
        ended = status == DigestStatus.POSTING and error is not None
        owner_gone = bool(host and pid and Owner(host, pid).gone())
        if not ended and not owner_gone and created_at > now - stale_after:
            # Possibly a run posting it right now.
            when = created_at + stale_after
            notes.append(
                f"{_unsettled(factory, digest_id)} is unsettled ({status}): checking Slack "
                f"history at {when:%H:%M} UTC"
            )
            continue
        with session_scope(factory) as session:
            took = take_over_digest(session, digest_id, status)
        if not took:
            continue  # another run took it over first
        try:
            notes.append(_recover_one(factory, sender, subscription.channel, digest_id, now))
        except SlackDeliveryError as exc:
            # Leave it for the next run, as it was; the digests after it go out meanwhile.
            finish(factory, digest_id, status=DigestStatus(status), error=error, now=None)
            notes.append(
                f"{_unsettled(factory, digest_id)} is unsettled: Slack's history cannot be read "
                f"({exc}); its items stay held and the next run checks again"
            )
        except BaseException:
            finish(factory, digest_id, status=DigestStatus(status), error=error, now=None)
            raise
    return notes


def _unsettled(factory: sessionmaker[Session], digest_id: int) -> str:
    """'digest 12 part 2 of 3': the first part Slack has not confirmed."""
    with session_scope(factory) as session:
        parts, posted = posted_parts(session, digest_id)
    total = max(len(parts), 1)
    return f"digest {digest_id} part {min(len(posted) + 1, total)} of {total}"


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
