"""Items held back from storage, with their reason and raw record (``quarantined_items``).

An item the database refuses even once cleaned (``pipelines.storage.storable``), or whose
address is longer than any address column, is quarantined: the rest of its crawl is stored, the
item is kept for an operator (``cqmonitor status`` names it) and resolved when a later crawl
stores its article (the page is not stored, so the next crawl of its days fetches it again).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipelines.storage.models import QuarantinedItem
from pipelines.storage.storable import fingerprint, storable_text

# A reason is one line; the raw record may be long, the reason need not be.
MAX_REASON = 500


def one_line(reason: object) -> str:
    """The first line of an error's text, cleaned and bounded."""
    text = storable_text(str(reason)).strip().splitlines() or ["unknown"]
    return text[0][:MAX_REASON]


class Quarantine:
    """The unresolved quarantined items, loaded once per crawl, and what this crawl adds."""

    def __init__(self, session: Session, crawl_id: int | None, now: datetime) -> None:
        self.session = session
        self.crawl_id = crawl_id
        self.now = now
        self.by_key = {
            q.item_key: q
            for q in session.scalars(
                select(QuarantinedItem).where(QuarantinedItem.resolved_at.is_(None))
            )
        }
        self.held: list[dict[str, Any]] = []

    def hold(self, url: str | None, reason: str, record: dict[str, Any]) -> None:
        """Quarantine one item (again): its reason and raw record, escaped to plain ASCII."""
        raw = json.dumps(record, ensure_ascii=True, default=str, sort_keys=True)
        key = fingerprint(url or raw)
        reason = one_line(reason)
        held = self.by_key.get(key)
        if held is None:
            held = QuarantinedItem(
                item_key=key,
                url=storable_text(url) if url else None,
                first_quarantined_at=self.now,
                attempts=0,
            )
            self.session.add(held)
            self.by_key[key] = held
        held.attempts += 1
        held.reason = reason
        held.raw = raw
        held.crawl_run_id = self.crawl_id
        held.last_quarantined_at = self.now
        held.resolved_at = None
        self.held.append({"url": url, "reason": reason})

    def resolve(self, urls: Iterable[str]) -> None:
        """The articles at ``urls`` are stored: their quarantined items are done with."""
        for url in urls:
            held = self.by_key.get(fingerprint(url)) if url else None
            if held is not None and held.resolved_at is None:
                held.resolved_at = self.now

    def snapshot(self) -> tuple[dict[str, QuarantinedItem], int]:
        return dict(self.by_key), len(self.held)

    def restore(self, mark: tuple[dict[str, QuarantinedItem], int]) -> None:
        self.by_key, held = dict(mark[0]), mark[1]
        del self.held[held:]


@dataclass(frozen=True)
class HeldItem:
    url: str | None
    reason: str
    attempts: int
    crawl_run_id: int | None
    last_quarantined_at: datetime


def quarantined_items(session: Session, limit: int = 10) -> tuple[int, list[HeldItem]]:
    """How many items are quarantined and unresolved, and the newest ``limit`` of them."""
    unresolved = QuarantinedItem.resolved_at.is_(None)
    total = session.scalar(select(func.count()).select_from(QuarantinedItem).where(unresolved))
    rows = session.scalars(
        select(QuarantinedItem)
        .where(unresolved)
        .order_by(QuarantinedItem.last_quarantined_at.desc(), QuarantinedItem.id.desc())
        .limit(limit)
    )
    return int(total or 0), [
        HeldItem(q.url, q.reason, q.attempts, q.crawl_run_id, q.last_quarantined_at) for q in rows
    ]
