"""Claiming what a delivery will post, before anything is posted.

A :class:`Plan` says what one delivery (a digest, or a batch of instant alerts) would post:
its items, and how to render the subset of them this run manages to claim.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from pipelines.core.owner import Owner
from pipelines.core.statuses import DigestItemType, DigestStatus
from pipelines.digest import DigestMessage
from pipelines.storage.db import session_scope
from pipelines.storage.ledger import claim_items, new_digest
from pipelines.subscriptions import Subscription

from .outcome import all_text

Items = set[tuple[str, str]]


@dataclass(frozen=True)
class Plan:
    """The items one delivery would post, and the messages of any claimed subset of them.

    ``post_empty``: post even with no item (the digest's "nothing new", when asked for).
    """

    items: list[tuple[str, str]]
    render: Callable[[Items], list[DigestMessage]]
    post_empty: bool = False


@dataclass
class Claim:
    """A delivery recorded with the items it holds, its messages rendered, nothing posted yet."""

    digest_id: int
    messages: list[DigestMessage]

    def count(self, item_type: DigestItemType) -> int:
        return sum(1 for m in self.messages for t, _ in m.items if t == item_type)

    @property
    def empty(self) -> bool:
        return not any(m.items for m in self.messages)


def stored_messages(messages: Sequence[DigestMessage]) -> list[dict[str, Any]]:
    """The messages as the digest row keeps them, for a later run to find them in Slack."""
    return [
        {
            "part": m.part,
            "text": m.text,
            "blocks": m.blocks,
            "items": [list(i) for i in m.items],
            "standalone": m.standalone,
            "reply_to": m.reply_to,
        }
        for m in messages
    ]


def _claim_once(
    factory: sessionmaker[Session],
    subscription: Subscription,
    now: datetime,
    plan_for: Callable[[Session], Plan],
) -> Claim | None:
    with session_scope(factory) as session:
        plan = plan_for(session)
        if not plan.items and not plan.post_empty:
            return None
        digest = new_digest(
            session,
            subscription=subscription.name,
            channel=subscription.channel,
            now=now,
            owner=Owner.current(),
        )
        claimed = claim_items(session, digest.id, subscription.name, plan.items, now)
        if plan.items and not claimed:
            # A concurrent run took everything: it posts, we do not (not even "nothing new").
            session.delete(digest)
            return None
        messages = plan.render(claimed)
        digest.status = DigestStatus.POSTING
        digest.item_count = len(claimed)
        digest.text = all_text(messages)
        digest.blocks = stored_messages(messages)
        digest.message_ts = []
        return Claim(digest.id, messages)


def claim(
    factory: sessionmaker[Session],
    *,
    subscription: Subscription,
    now: datetime,
    plan_for: Callable[[Session], Plan],
) -> Claim | None:
    """Record a delivery and claim every item its plan holds; None when there is nothing."""
    for attempt in range(3):
        try:
            return _claim_once(factory, subscription, now, plan_for)
        except OperationalError as exc:
            # SQLite under a concurrent writer can still answer "database is locked".
            if attempt == 2 or "locked" not in str(exc).lower():
                raise
            time.sleep(0.2 * (attempt + 1))
    return None  # pragma: no cover
