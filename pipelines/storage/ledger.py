"""The delivery ledger: digests and their item claims, the SQL behind once-only delivery.

Every item of a digest (an event, or a topic article without an event) has one ``deliveries``
row, unique on (item_type, item_key): inserting it is the claim, so two runs at once cannot
both take an item.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, select, tuple_, update
from sqlalchemy.orm import Session, aliased

from pipelines.core.owner import Owner
from pipelines.core.statuses import (
    UNSETTLED_DIGEST,
    DeliveryStatus,
    DigestItemType,
    DigestStatus,
)
from pipelines.storage.models import (
    Article,
    ArticleTopic,
    Delivery,
    Digest,
    Event,
    EventEdition,
)

_CLAIM_CHUNK = 500


def event_rows(session: Session, subscription: str, *, claimed: bool = False) -> list[Any]:
    """(event, url, title, published_at, article id, body) of events of topic articles, oldest
    article first: those the subscription has not claimed (or, ``claimed``, has)."""
    on_topic = exists().where(ArticleTopic.article_id == Article.id)
    taken = exists().where(
        and_(
            Delivery.subscription == subscription,
            Delivery.item_type == DigestItemType.EVENT,
            Delivery.item_key == Event.kind + ":" + Event.event_key,
        )
    )
    return list(
        session.execute(
            select(
                Event,
                Article.url,
                Article.title,
                Article.published_at,
                Article.id,
                Article.body_text,
            )
            .join(Article, Event.article_id == Article.id)
            .where(on_topic, taken if claimed else ~taken)
            .order_by(Article.published_at, Article.id, Event.id)
        ).all()
    )


def unreported_rows(session: Session, subscription: str) -> list[Any]:
    """(event, url, title, published_at, article id, body, alert ts) of topic articles that
    report an event already alerted (posted) to the subscription, their report not claimed yet.

    Decided in SQL (the claims' unique index): the history of alerts is never read into Python.
    """
    on_topic = exists().where(ArticleTopic.article_id == Article.id)
    item_key = Event.kind + ":" + Event.event_key
    alert = aliased(Delivery)
    reported = exists().where(
        and_(
            Delivery.subscription == subscription,
            Delivery.item_type == DigestItemType.REPORT,
            Delivery.item_key == item_key + "@" + Article.url,
        )
    )
    return list(
        session.execute(
            select(
                Event,
                Article.url,
                Article.title,
                Article.published_at,
                Article.id,
                Article.body_text,
                alert.message_ts,
            )
            .join(Article, Event.article_id == Article.id)
            .join(
                alert,
                and_(
                    alert.subscription == subscription,
                    alert.item_type == DigestItemType.EVENT,
                    alert.item_key == item_key,
                    alert.message_ts.is_not(None),
                ),
            )
            .where(on_topic, ~reported)
            .order_by(Article.published_at, Article.id, Event.id)
        ).all()
    )


def pending_article_rows(session: Session, subscription: str) -> list[Article]:
    """Topic articles reporting no event, not yet claimed by the subscription, oldest first."""
    on_topic = exists().where(ArticleTopic.article_id == Article.id)
    has_event = exists().where(Event.article_id == Article.id)
    taken = exists().where(
        and_(
            Delivery.subscription == subscription,
            Delivery.item_type == DigestItemType.ARTICLE,
            Delivery.item_key == Article.url,
        )
    )
    return list(
        session.scalars(
            select(Article)
            .where(on_topic, ~has_event, ~taken)
            .order_by(Article.published_at, Article.id)
        )
    )


def topics_of(session: Session, article_ids: Iterable[int]) -> dict[int, list[str]]:
    ids = set(article_ids)
    topics: dict[int, list[str]] = {}
    if ids:
        rows = session.execute(
            select(ArticleTopic.article_id, ArticleTopic.topic).where(
                ArticleTopic.article_id.in_(ids)
            )
        )
        for article_id, topic in rows:
            topics.setdefault(article_id, []).append(topic)
    return topics


def editions_of(
    session: Session, refs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], EventEdition]:
    """The ``event_editions`` rows of (kind, event_key) ``refs``."""
    wanted = list(set(refs))
    found: dict[tuple[str, str], EventEdition] = {}
    for start in range(0, len(wanted), _CLAIM_CHUNK):
        chunk = wanted[start : start + _CLAIM_CHUNK]
        query = select(EventEdition).where(
            tuple_(EventEdition.kind, EventEdition.event_key).in_(chunk)
        )
        found.update({(e.kind, e.event_key): e for e in session.scalars(query)})
    return found


def changed_editions(
    session: Session, since: datetime | None = None, upcoming_on: str | None = None
) -> list[EventEdition]:
    """Editions whose date or place a later report moved (``sequence`` > 0); with
    ``upcoming_on`` (an ISO day), only those still to come then (a few, whatever the history)."""
    query = select(EventEdition).where(EventEdition.sequence > 0)
    if since is not None:
        query = query.where(EventEdition.changed_at >= since)
    if upcoming_on is not None:
        last = func.coalesce(
            EventEdition.end_date, EventEdition.start_date, EventEdition.previous_start_date
        )
        query = query.where(last >= upcoming_on)
    return list(session.scalars(query.order_by(EventEdition.changed_at)))


def sources_of(session: Session, article_ids: Iterable[int]) -> dict[int, str]:
    """The source of each article (for subscriptions that filter by source)."""
    ids = set(article_ids)
    if not ids:
        return {}
    rows = session.execute(select(Article.id, Article.source).where(Article.id.in_(ids)))
    return {article_id: source for article_id, source in rows}


def claimed_keys(
    session: Session, subscription: str, item_type: DigestItemType
) -> dict[str, str | None]:
    """The subscription's claimed items of ``item_type``: key -> ts of the message holding it."""
    rows = session.execute(
        select(Delivery.item_key, Delivery.message_ts).where(
            Delivery.subscription == subscription, Delivery.item_type == item_type
        )
    )
    return {key: ts for key, ts in rows}


def new_digest(
    session: Session, *, subscription: str, channel: str, now: datetime, owner: Owner | None = None
) -> Digest:
    digest = Digest(
        created_at=now,
        status=DigestStatus.PENDING,
        channel=channel,
        subscription=subscription,
        host=owner.host if owner else None,
        pid=owner.pid if owner else None,
    )
    session.add(digest)
    session.flush()
    return digest


def claim_items(
    session: Session,
    digest_id: int,
    subscription: str,
    items: Sequence[tuple[str, str]],
    now: datetime,
) -> set[tuple[str, str]]:
    """Claim ``items`` for the digest; returns the ones it got (a concurrent run may hold some)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - check_database_url admits only these two
        raise RuntimeError(f"unsupported database {dialect!r}")
    rows = [
        {
            "subscription": subscription,
            "item_type": t,
            "item_key": k,
            "digest_id": digest_id,
            "status": DeliveryStatus.CLAIMED,
            "claimed_at": now,
        }
        for t, k in items
    ]
    for start in range(0, len(rows), _CLAIM_CHUNK):
        stmt = insert(Delivery).values(rows[start : start + _CLAIM_CHUNK])
        # The loser of a race for an item silently does not get it.
        session.execute(
            stmt.on_conflict_do_nothing(index_elements=["subscription", "item_type", "item_key"])
        )
    return {
        (t, k)
        for t, k in session.execute(
            select(Delivery.item_type, Delivery.item_key).where(Delivery.digest_id == digest_id)
        )
    }


def mark_delivered(
    session: Session, digest_id: int, items: Iterable[Sequence[str]], ts: str, now: datetime
) -> None:
    """Slack accepted the message ``ts`` holding ``items``."""
    for item_type, item_key in (tuple(i) for i in items):
        session.execute(
            update(Delivery)
            .where(
                Delivery.digest_id == digest_id,
                Delivery.item_type == item_type,
                Delivery.item_key == item_key,
            )
            .values(status=DeliveryStatus.DELIVERED, message_ts=ts, delivered_at=now)
        )
    digest = session.get(Digest, digest_id)
    assert digest is not None
    digest.message_ts = [*(digest.message_ts or []), ts]


def release_claims(session: Session, digest_id: int, items: Iterable[Sequence[str]]) -> None:
    """Delete this digest's claims of ``items``: they are pending again."""
    for item_type, item_key in (tuple(i) for i in items):
        session.execute(
            delete(Delivery).where(
                Delivery.digest_id == digest_id,
                Delivery.item_type == item_type,
                Delivery.item_key == item_key,
                Delivery.status == DeliveryStatus.CLAIMED,
            )
        )


def finish_digest(
    session: Session,
    digest_id: int,
    *,
    status: DigestStatus,
    error: str | None,
    now: datetime | None,
) -> None:
    digest = session.get(Digest, digest_id)
    assert digest is not None
    digest.status = status
    digest.error = error
    if now is not None:
        digest.sent_at = now


def unsettled_digests(
    session: Session, subscription: str | None = None, channel: str | None = None
) -> list[Digest]:
    """Digests not known sent or failed (pending, posting, recovering), oldest first: all of
    them, or the subscription's to ``channel``."""
    query = select(Digest).where(Digest.status.in_(UNSETTLED_DIGEST))
    if subscription is not None:
        query = query.where(Digest.subscription == subscription)
    if channel is not None:
        query = query.where(Digest.channel == channel)
    return list(session.scalars(query.order_by(Digest.id)))


def posted_parts(session: Session, digest_id: int) -> tuple[list[dict[str, Any]], list[str]]:
    """A digest's stored messages (parts) and the ts of those Slack confirmed, in order."""
    digest = session.get(Digest, digest_id)
    assert digest is not None
    return list(digest.blocks or []), list(digest.message_ts or [])


def take_over_digest(session: Session, digest_id: int, status: str) -> bool:
    """Mark an unsettled digest as being recovered by this run; False if another run was first."""
    taken = session.execute(
        update(Digest)
        .where(Digest.id == digest_id, Digest.status == status)
        .values(status=DigestStatus.RECOVERING)
    ).rowcount  # type: ignore[attr-defined]
    return taken == 1
