"""Claiming what a digest will post, before anything is posted."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from pipelines.core.statuses import DigestStatus
from pipelines.digest import (
    ITEM_ARTICLE,
    ITEM_EVENT,
    DigestContent,
    DigestLabels,
    DigestMessage,
    build_digest,
    content_items,
)
from pipelines.storage.db import session_scope
from pipelines.storage.ledger import claim_items, new_digest

from .outcome import all_text
from .pending import collect_pending


@dataclass
class Claim:
    """A digest recorded with the items it holds, its messages rendered, nothing posted yet."""

    digest_id: int
    messages: list[DigestMessage]
    content: DigestContent


def _restrict(content: DigestContent, claimed: set[tuple[str, str]]) -> DigestContent:
    return DigestContent(
        window_start=content.window_start,
        window_end=content.window_end,
        events=tuple(e for e in content.events if (ITEM_EVENT, e.item_key) in claimed),
        other_articles=tuple(a for a in content.other_articles if (ITEM_ARTICLE, a.url) in claimed),
        generated_at=content.generated_at,
        labels=content.labels,
    )


def _stored_messages(messages: Sequence[DigestMessage]) -> list[dict[str, Any]]:
    return [
        {"part": m.part, "text": m.text, "blocks": m.blocks, "items": [list(i) for i in m.items]}
        for m in messages
    ]


def _claim_once(
    factory: sessionmaker[Session],
    *,
    channel: str,
    now: datetime,
    title: str,
    send_empty: bool,
    labels: DigestLabels | None,
) -> Claim | None:
    with session_scope(factory) as session:
        content = collect_pending(session, now=now, labels=labels)
        if content.is_empty and not send_empty:
            return None
        digest = new_digest(session, channel=channel, now=now)
        items = content_items(content)
        claimed = claim_items(session, digest.id, items, now)
        if items and not claimed:
            # A concurrent run took everything: it posts, we do not (not even "nothing new").
            session.delete(digest)
            return None
        content = _restrict(content, claimed)
        messages = build_digest(content, title=title)
        digest.status = DigestStatus.POSTING
        digest.item_count = len(claimed)
        digest.text = all_text(messages)
        digest.blocks = _stored_messages(messages)
        digest.message_ts = []
        return Claim(digest.id, messages, content)


def claim(
    factory: sessionmaker[Session],
    *,
    channel: str,
    now: datetime,
    title: str,
    send_empty: bool,
    labels: DigestLabels | None = None,
) -> Claim | None:
    """Record a digest and claim every pending item for it; None when there is nothing."""
    for attempt in range(3):
        try:
            return _claim_once(
                factory,
                channel=channel,
                now=now,
                title=title,
                send_empty=send_empty,
                labels=labels,
            )
        except OperationalError as exc:
            # SQLite under a concurrent writer can still answer "database is locked".
            if attempt == 2 or "locked" not in str(exc).lower():
                raise
            time.sleep(0.2 * (attempt + 1))
    return None  # pragma: no cover
