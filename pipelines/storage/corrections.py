"""The SQL of readers' corrections: what an item stands for, recording a correction, applying it
to the stored decisions, and the counts and notes that digests and reports show.

A correction is applied to ``article_topics`` and ``events`` when it is recorded, and again
after every recomputation of those decisions (``apply_all``, called by ``pipelines.analysis``),
so a reclassification keeps what readers corrected. An event item is matched by the same
``kind:event_key`` expression as the delivery ledger (``ledger.event_rows``).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from pipelines.core.instants import Span, utcnow
from pipelines.core.statuses import CorrectionKind, DigestItemType
from pipelines.storage.editions import sync_editions
from pipelines.storage.models import Article, ArticleTopic, Correction, Event

_HASH_BYTES = 12


def event_item_expr() -> Any:
    """``kind:event_key`` of an events row, as the delivery ledger names event items."""
    return Event.kind + ":" + Event.event_key


def of_item(item_key: str) -> Any:
    """The events rows of the event item ``item_key`` (``kind:event_key``): by kind and key,
    so the (kind, event_key) index serves it."""
    kind, _, key = item_key.partition(":")
    return (Event.kind == kind) & (Event.event_key == key)


@dataclass(frozen=True)
class ItemSnapshot:
    """What a delivered item stands for now: its articles, topics and (an event) its facts."""

    item_type: DigestItemType
    item_key: str
    article_ids: tuple[int, ...]
    topics: tuple[str, ...]
    event_kind: str | None = None
    event_key: str | None = None
    name: str = ""
    slots: dict[str, str | None] = field(default_factory=dict)


def _topics(session: Session, article_ids: Sequence[int]) -> tuple[str, ...]:
    if not article_ids:
        return ()
    found = session.scalars(
        select(ArticleTopic.topic).where(ArticleTopic.article_id.in_(article_ids)).distinct()
    )
    return tuple(sorted(found))


def item_snapshot(session: Session, item_type: str, item_key: str) -> ItemSnapshot | None:
    """The item ``item_key`` as stored now; None when nothing stands for it any more."""
    if item_type == DigestItemType.ARTICLE:
        article_id = session.scalar(select(Article.id).where(Article.url == item_key))
        if article_id is None:
            return None
        ids = (article_id,)
        return ItemSnapshot(DigestItemType.ARTICLE, item_key, ids, _topics(session, ids))
    rows = list(
        session.scalars(
            select(Event)
            .join(Article, Event.article_id == Article.id)
            .where(of_item(item_key))
            .order_by(Article.published_at, Event.id)
        )
    )
    if not rows:
        return None
    ids = tuple(dict.fromkeys(r.article_id for r in rows))

    def first(attr: str) -> str | None:
        return next((getattr(r, attr) for r in rows if getattr(r, attr)), None)

    return ItemSnapshot(
        DigestItemType.EVENT,
        item_key,
        ids,
        _topics(session, ids),
        event_kind=rows[0].kind,
        event_key=rows[0].event_key,
        name=first("name") or rows[0].event_key,
        slots={a: first(a) for a in ("date_text", "start_date", "end_date", "place")},
    )


def _hash(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()[:_HASH_BYTES]


def resolve_ref(session: Session, item_type: str, digest: bytes) -> str | None:
    """The stored item key whose SHA-256 starts with ``digest`` (a hashed action ref)."""
    if item_type == DigestItemType.ARTICLE:
        keys: Iterable[str] = session.scalars(select(Article.url))
    else:
        keys = session.scalars(select(event_item_expr()).distinct())
    return next((key for key in keys if _hash(key) == digest), None)


def merge_candidates(
    session: Session, kind: str, exclude: str, limit: int = 100
) -> list[tuple[str, str]]:
    """(item key, name) of the events of ``kind`` reported most recently, ``exclude`` left out:
    what "Same event as ..." offers."""
    item = event_item_expr()
    rows = session.execute(
        select(item, func.min(Event.name), func.max(Article.published_at).label("last"))
        .join(Article, Event.article_id == Article.id)
        .where(Event.kind == kind, item != exclude)
        .group_by(item)
        .order_by(func.max(Article.published_at).desc(), item)
        .limit(limit)
    ).all()
    return [(str(r[0]), str(r[1])) for r in rows]


def record(session: Session, correction: Correction) -> Correction:
    session.add(correction)
    session.flush()
    return correction


def apply(session: Session, correction: Correction) -> int:
    """Apply one correction to the stored decisions; the number of rows it changed. The editions
    it touches are recomputed at once, so digests, reports and calendars read the corrected
    record."""
    changed = _apply_rows(session, correction)
    if changed and correction.item_type == DigestItemType.EVENT:
        kind, _, key = correction.item_key.partition(":")
        touched = {(kind, key)}
        after = correction.after or {}
        if CorrectionKind(correction.kind) is CorrectionKind.SAME_EVENT:
            touched.add((str(after["kind"]), str(after["event_key"])))
        session.flush()
        sync_editions(session, touched, utcnow())
    return changed


def _apply_rows(session: Session, correction: Correction) -> int:
    kind = CorrectionKind(correction.kind)
    after = correction.after or {}
    if kind is CorrectionKind.NOT_TOPIC:
        ids = [int(i) for i in correction.article_ids or ()]
        if not ids:
            return 0
        result = session.execute(
            delete(ArticleTopic).where(
                ArticleTopic.article_id.in_(ids), ArticleTopic.topic.in_(after.get("removed", ()))
            )
        )
    elif kind is CorrectionKind.NOT_EVENT:
        result = session.execute(delete(Event).where(of_item(correction.item_key)))
    elif kind is CorrectionKind.WRONG_SLOTS:
        values = {
            k: after[k] for k in ("date_text", "start_date", "end_date", "place") if k in after
        }
        if not values:
            return 0
        result = session.execute(update(Event).where(of_item(correction.item_key)).values(**values))
    else:
        return _merge(session, correction.item_key, str(after["kind"]), str(after["event_key"]))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _merge(session: Session, item_key: str, kind: str, event_key: str) -> int:
    """Rows of ``item_key`` become rows of (kind, event_key); an article reporting both keeps
    one row (the target's: the unique (article, kind, key) allows no second)."""
    rows = list(session.scalars(select(Event).where(of_item(item_key))))
    if not rows:
        return 0
    has_target = set(
        session.scalars(
            select(Event.article_id).where(
                Event.kind == kind,
                Event.event_key == event_key,
                Event.article_id.in_([r.article_id for r in rows]),
            )
        )
    )
    for row in rows:
        if row.article_id in has_target:
            session.delete(row)
        else:
            row.kind, row.event_key = kind, event_key
    session.flush()
    return len(rows)


def apply_all(session: Session) -> int:
    """Apply every correction, oldest first (after decisions were recomputed)."""
    changed = 0
    for correction in session.scalars(select(Correction).order_by(Correction.id)):
        changed += apply(session, correction)
    return changed


def list_all(session: Session, since: datetime | None = None) -> list[Correction]:
    statement = select(Correction).order_by(Correction.id)
    if since is not None:
        statement = statement.where(Correction.created_at >= since)
    return list(session.scalars(statement))


def in_span(session: Session, span: Span) -> list[Correction]:
    """The corrections made within ``span`` (instants), oldest first."""
    statement = select(Correction).order_by(Correction.id)
    if span.start is not None:
        statement = statement.where(Correction.created_at >= span.start)
    if span.end is not None:
        statement = statement.where(Correction.created_at < span.end)
    return list(session.scalars(statement))


def counted(corrections: Iterable[Correction]) -> tuple[Counter[str], Counter[str]]:
    """Corrected items per topic and per event kind (an item counts once per topic/kind)."""
    by_topic: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    seen_topic: set[tuple[str, str]] = set()
    seen_kind: set[str] = set()
    for c in corrections:
        topics = (c.after or {}).get("removed") if c.kind == CorrectionKind.NOT_TOPIC else c.topics
        for topic in topics or ():
            if (c.item_key, topic) not in seen_topic:
                seen_topic.add((c.item_key, topic))
                by_topic[topic] += 1
        if c.event_kind and c.item_key not in seen_kind:
            seen_kind.add(c.item_key)
            by_kind[c.event_kind] += 1
    return by_topic, by_kind


def slot_notes(session: Session, item_keys: Iterable[str]) -> dict[str, str]:
    """ "date and place corrected by Ana (reader, 7 Dec)" for the items whose slots a reader
    corrected: the digest shows the corrected facts with their source."""
    keys = set(item_keys)
    if not keys:
        return {}
    rows = session.scalars(
        select(Correction)
        .where(
            Correction.kind == CorrectionKind.WRONG_SLOTS,
            Correction.item_type == DigestItemType.EVENT,
            Correction.item_key.in_(keys),
        )
        .order_by(Correction.id)
    )
    notes: dict[str, str] = {}
    for c in rows:
        fields = [f for f in ("date", "place") if (c.after or {}).get("changed", {}).get(f)]
        what = " and ".join(fields) or "date or place"
        who = c.user_name or c.user_id
        notes[c.item_key] = (
            f"{what.capitalize()} corrected by a reader ({who}, {c.created_at:%d %b %Y})"
        )
    return notes


def corrected_articles(
    session: Session, article_ids: Iterable[int]
) -> list[tuple[Article, list[str], list[Event]]]:
    """(article, its topics, its events) as stored now, for the articles of ``article_ids``."""
    ids = sorted(set(article_ids))
    if not ids:
        return []
    articles = list(
        session.scalars(select(Article).where(Article.id.in_(ids)).order_by(Article.published_at))
    )
    topics: dict[int, list[str]] = {}
    for article_id, topic in session.execute(
        select(ArticleTopic.article_id, ArticleTopic.topic).where(ArticleTopic.article_id.in_(ids))
    ):
        topics.setdefault(article_id, []).append(topic)
    events: dict[int, list[Event]] = {}
    for event in session.scalars(select(Event).where(Event.article_id.in_(ids)).order_by(Event.id)):
        events.setdefault(event.article_id, []).append(event)
    return [(a, sorted(topics.get(a.id, [])), events.get(a.id, [])) for a in articles]


def of_articles_in_span(session: Session, span: Span) -> list[Correction]:
    """The corrections about articles published within ``span``, oldest first."""
    statement = select(Article.id)
    if span.start is not None:
        statement = statement.where(Article.published_at >= span.start)
    if span.end is not None:
        statement = statement.where(Article.published_at < span.end)
    corrections = list_all(session)
    if not corrections:
        return []
    ids = set(session.scalars(statement))
    return [c for c in corrections if any(int(i) in ids for i in c.article_ids or ())]
