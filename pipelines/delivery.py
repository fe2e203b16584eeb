"""Once-and-only-once delivery of the digest: what is pending, claiming it, posting, recovering.

Every item of a digest (an event, or a topic article without an event) has one ``deliveries``
row, unique on (item_type, item_key). The row is inserted ("claimed") in the same transaction
that records the digest, before anything is posted, so two runs at once cannot both take an item;
it becomes "delivered" once Slack accepted the message holding it. A definite failure deletes
the claims of what was not posted, so those items stay pending for the next run.

When a run cannot know whether Slack accepted a message (reply lost and history unreadable, or a
crash), the digest stays ``posting`` with its claims held; the next run looks for the message in
the channel by its metadata (digest id and part) and either marks the items delivered or
releases them. Nothing here imports dagster: the asset and the CLI call :func:`deliver_digest`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from pipelines.digest import (
    DEFAULT_TITLE,
    ITEM_ARTICLE,
    ITEM_EVENT,
    DigestArticle,
    DigestContent,
    DigestEvent,
    DigestLink,
    DigestMessage,
    build_digest,
    content_items,
)
from pipelines.slack import (
    CHANNEL_SETTING,
    TOKEN_SETTING,
    SlackDeliveryError,
    SlackSender,
    digest_metadata,
)
from pipelines.storage.db import session_scope
from pipelines.storage.models import TOPICS, Article, ArticleTopic, Delivery, Digest, Event

__all__ = [
    "DeliveryOutcome",
    "collect_pending",
    "deliver_digest",
    "preview_digest",
    "write_preview",
]

log = logging.getLogger(__name__)

# Digest statuses. 'posting' with ``error`` set means the run ended not knowing whether a part
# was posted; 'posting' without an error older than ``stale_after`` means the run died.
PENDING, POSTING, RECOVERING = "pending", "posting", "recovering"
SENT, EMPTY, FAILED = "sent", "empty", "failed"
UNSETTLED = (PENDING, POSTING, RECOVERING)

CLAIMED, DELIVERED = "claimed", "delivered"

DEFAULT_STALE_AFTER = timedelta(minutes=30)
_SUMMARY_CHARS = 200
_CLAIM_CHUNK = 500


@dataclass(frozen=True)
class DeliveryOutcome:
    """What a delivery did. ``text`` is the fallback text of every message, for printing.

    status: 'sent' (posted), 'preview' (rendered only, no token), 'empty' (posted "nothing
    new"), 'nothing' (nothing to post, nothing posted), 'failed' (``error`` says why and
    ``setting`` names the setting to fix, when one is at fault).
    """

    status: str
    digest_id: int | None
    events: int
    articles: int
    messages: int
    text: str
    blocks_path: Path | None = None
    error: str | None = None
    setting: str | None = None
    notes: tuple[str, ...] = field(default=())


# --- what is pending --------------------------------------------------------------------------


def _first_sentence(text: str, limit: int = _SUMMARY_CHARS) -> str:
    text = " ".join((text or "").split())
    for stop in (". ", "! ", "? ", "。"):
        at = text.find(stop)
        if 0 < at < limit:
            return text[: at + 1].strip()
    if len(text) <= limit:
        return text
    # A teaser of the body, visibly shortened: the link carries the whole article.
    return text[:limit].rsplit(" ", 1)[0] + " …"


def _ordered_topics(topics: Iterable[str]) -> tuple[str, ...]:
    found = set(topics)
    return tuple(t for t in TOPICS if t in found) + tuple(sorted(found - set(TOPICS)))


def _unique(values: Iterable[Any]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        text = " ".join(str(value or "").split())
        if text and text.casefold() not in {k.casefold() for k in seen}:
            seen[text] = None
    return tuple(seen)


def collect_pending(session: Session, *, now: datetime) -> DigestContent:
    """Events and topic articles not yet delivered (nor claimed by a digest in progress).

    Only articles with at least one ``article_topics`` row count; an event reported by several
    articles is one item, with every topic article's link.
    """
    on_topic = exists().where(ArticleTopic.article_id == Article.id)
    event_taken = exists().where(
        and_(
            Delivery.item_type == ITEM_EVENT,
            Delivery.item_key == Event.kind + ":" + Event.event_key,
        )
    )
    event_rows = session.execute(
        select(Event, Article.url, Article.title, Article.published_at, Article.id)
        .join(Article, Event.article_id == Article.id)
        .where(on_topic, ~event_taken)
        .order_by(Article.published_at, Article.id, Event.id)
    ).all()

    has_event = exists().where(Event.article_id == Article.id)
    article_taken = exists().where(
        and_(Delivery.item_type == ITEM_ARTICLE, Delivery.item_key == Article.url)
    )
    article_rows = (
        session.execute(
            select(Article)
            .where(on_topic, ~has_event, ~article_taken)
            .order_by(Article.published_at, Article.id)
        )
        .scalars()
        .all()
    )

    article_ids = {row[4] for row in event_rows} | {a.id for a in article_rows}
    topics: dict[int, list[str]] = {}
    if article_ids:
        for article_id, topic in session.execute(
            select(ArticleTopic.article_id, ArticleTopic.topic).where(
                ArticleTopic.article_id.in_(article_ids)
            )
        ):
            topics.setdefault(article_id, []).append(topic)

    groups: dict[tuple[str, str], list[Any]] = {}
    published: list[datetime] = []
    for row in event_rows:
        groups.setdefault((row[0].kind, row[0].event_key), []).append(row)
        published.append(row[3])

    events = []
    for (kind, key), rows in groups.items():
        evs: list[Event] = [r[0] for r in rows]

        def first(attr: str, evs: list[Event] = evs) -> str | None:
            return next((getattr(e, attr) for e in evs if (getattr(e, attr) or "").strip()), None)

        links: dict[str, DigestLink] = {}
        for r in rows:
            links.setdefault(r[1], DigestLink(url=r[1], title=r[2]))
        events.append(
            DigestEvent(
                kind=kind,
                name=first("name") or key,
                key=key,
                topics=_ordered_topics(t for r in rows for t in topics.get(r[4], ())),
                date_text=first("date_text"),
                place=first("place"),
                organisers=_unique(o for e in evs for o in (e.organisers or ())),
                proposers=_unique(p for e in evs for p in (e.proposers or ())),
                summary=first("summary") or "",
                links=tuple(links.values()),
                start_date=first("start_date"),
                end_date=first("end_date"),
            )
        )

    articles = []
    for art in article_rows:
        published.append(art.published_at)
        articles.append(
            DigestArticle(
                url=art.url,
                title=art.title,
                topics=_ordered_topics(topics.get(art.id, ())),
                summary=_first_sentence(art.body_text),
            )
        )
    return DigestContent(
        window_start=min(published) if published else None,
        window_end=max(published) if published else None,
        events=tuple(events),
        other_articles=tuple(articles),
        generated_at=now,
    )


# --- preview ----------------------------------------------------------------------------------


def write_preview(messages: Sequence[DigestMessage], path: Path) -> Path:
    """Write Block Kit JSON pasteable into Slack's Block Kit Builder (a list if several)."""
    payloads = [{"blocks": m.blocks} for m in messages]
    data: Any = payloads[0] if len(payloads) == 1 else payloads
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _all_text(messages: Sequence[DigestMessage]) -> str:
    return "\n\n".join(m.text for m in messages)


def _count(messages: Sequence[DigestMessage], item_type: str) -> int:
    return sum(1 for m in messages for t, _ in m.items if t == item_type)


def preview_digest(
    factory: sessionmaker[Session],
    *,
    now: datetime,
    preview_path: Path | None,
    title: str = DEFAULT_TITLE,
    setting: str | None = None,
) -> DeliveryOutcome:
    """Render what the next digest would post; posts nothing and marks nothing."""
    session = factory()
    try:
        content = collect_pending(session, now=now)
    finally:
        session.rollback()
        session.close()
    messages = build_digest(content, title=title)
    path = write_preview(messages, preview_path) if preview_path is not None else None
    return DeliveryOutcome(
        status="preview",
        digest_id=None,
        events=len(content.events),
        articles=len(content.other_articles),
        messages=len(messages),
        text=_all_text(messages),
        blocks_path=path,
        setting=setting,
    )


# --- claiming ---------------------------------------------------------------------------------


def _insert_ignoring_conflicts(session: Session, rows: list[dict[str, Any]]) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - check_database_url admits only these two
        raise RuntimeError(f"unsupported database {dialect!r}")
    for start in range(0, len(rows), _CLAIM_CHUNK):
        stmt = insert(Delivery).values(rows[start : start + _CLAIM_CHUNK])
        # The loser of a race for an item silently does not get it.
        session.execute(stmt.on_conflict_do_nothing(index_elements=["item_type", "item_key"]))


def _restrict(content: DigestContent, claimed: set[tuple[str, str]]) -> DigestContent:
    return DigestContent(
        window_start=content.window_start,
        window_end=content.window_end,
        events=tuple(e for e in content.events if (ITEM_EVENT, e.item_key) in claimed),
        other_articles=tuple(a for a in content.other_articles if (ITEM_ARTICLE, a.url) in claimed),
        generated_at=content.generated_at,
    )


@dataclass
class _Claim:
    digest_id: int
    messages: list[DigestMessage]
    content: DigestContent


def _stored_messages(messages: Sequence[DigestMessage]) -> list[dict[str, Any]]:
    return [
        {"part": m.part, "text": m.text, "blocks": m.blocks, "items": [list(i) for i in m.items]}
        for m in messages
    ]


def _claim_once(
    factory: sessionmaker[Session], *, channel: str, now: datetime, title: str, send_empty: bool
) -> _Claim | None:
    with session_scope(factory) as session:
        content = collect_pending(session, now=now)
        if content.is_empty and not send_empty:
            return None
        digest = Digest(created_at=now, status=PENDING, channel=channel)
        session.add(digest)
        session.flush()
        items = content_items(content)
        _insert_ignoring_conflicts(
            session,
            [
                {
                    "item_type": t,
                    "item_key": k,
                    "digest_id": digest.id,
                    "status": CLAIMED,
                    "claimed_at": now,
                }
                for t, k in items
            ],
        )
        claimed = {
            (t, k)
            for t, k in session.execute(
                select(Delivery.item_type, Delivery.item_key).where(Delivery.digest_id == digest.id)
            )
        }
        if items and not claimed:
            # A concurrent run took everything: it posts, we do not (not even "nothing new").
            session.delete(digest)
            return None
        content = _restrict(content, claimed)
        messages = build_digest(content, title=title)
        digest.status = POSTING
        digest.item_count = len(claimed)
        digest.text = _all_text(messages)
        digest.blocks = _stored_messages(messages)
        digest.message_ts = []
        return _Claim(digest.id, messages, content)


def _claim(
    factory: sessionmaker[Session], *, channel: str, now: datetime, title: str, send_empty: bool
) -> _Claim | None:
    for attempt in range(3):
        try:
            return _claim_once(
                factory, channel=channel, now=now, title=title, send_empty=send_empty
            )
        except OperationalError as exc:
            # SQLite under a concurrent writer can still answer "database is locked".
            if attempt == 2 or "locked" not in str(exc).lower():
                raise
            time.sleep(0.2 * (attempt + 1))
    return None  # pragma: no cover


def _mark_delivered(
    factory: sessionmaker[Session],
    digest_id: int,
    items: Iterable[Sequence[str]],
    ts: str,
    now: datetime,
) -> None:
    with session_scope(factory) as session:
        keys = [tuple(i) for i in items]
        for item_type, item_key in keys:
            session.execute(
                update(Delivery)
                .where(
                    Delivery.digest_id == digest_id,
                    Delivery.item_type == item_type,
                    Delivery.item_key == item_key,
                )
                .values(status=DELIVERED, message_ts=ts, delivered_at=now)
            )
        digest = session.get(Digest, digest_id)
        assert digest is not None
        digest.message_ts = [*(digest.message_ts or []), ts]


def _release(
    factory: sessionmaker[Session], digest_id: int, items: Iterable[Sequence[str]]
) -> None:
    """Delete this digest's claims of ``items``: they are pending again."""
    keys = [tuple(i) for i in items]
    if not keys:
        return
    with session_scope(factory) as session:
        for item_type, item_key in keys:
            session.execute(
                delete(Delivery).where(
                    Delivery.digest_id == digest_id,
                    Delivery.item_type == item_type,
                    Delivery.item_key == item_key,
                    Delivery.status == CLAIMED,
                )
            )


def _finish(
    factory: sessionmaker[Session],
    digest_id: int,
    *,
    status: str,
    error: str | None,
    now: datetime | None,
) -> None:
    with session_scope(factory) as session:
        digest = session.get(Digest, digest_id)
        assert digest is not None
        digest.status = status
        digest.error = error
        if now is not None:
            digest.sent_at = now


# --- recovery ---------------------------------------------------------------------------------


def _recover(
    factory: sessionmaker[Session],
    sender: SlackSender,
    channel: str,
    now: datetime,
    stale_after: timedelta,
) -> list[str]:
    """Settle digests a previous run left unsettled; returns notes on what was found."""
    with session_scope(factory) as session:
        candidates = [
            (d.id, d.status, d.error, d.created_at)
            for d in session.execute(
                select(Digest).where(Digest.status.in_(UNSETTLED), Digest.channel == channel)
            ).scalars()
        ]
    notes: list[str] = []
    for digest_id, status, error, created_at in candidates:
        ended = status == POSTING and error is not None
        if not ended and created_at > now - stale_after:
            continue  # possibly a run in progress right now
        with session_scope(factory) as session:
            took = session.execute(
                update(Digest)
                .where(Digest.id == digest_id, Digest.status == status)
                .values(status=RECOVERING)
            ).rowcount
        if took != 1:
            continue  # another run took it over first
        try:
            notes.append(_recover_one(factory, sender, channel, digest_id, now))
        except BaseException:
            # Leave it for the next run, as it was.
            _finish(factory, digest_id, status=status, error=error, now=None)
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
        digest = session.get(Digest, digest_id)
        assert digest is not None
        parts: list[dict[str, Any]] = list(digest.blocks or [])
        posted: list[str] = list(digest.message_ts or [])
    total = len(parts)
    for index, stored in enumerate(parts, start=1):
        if index <= len(posted):
            continue  # confirmed when it was posted
        thread_ts = posted[0] if posted and index > 1 else None
        ts = sender.find_posted(channel, digest_id, index, thread_ts=thread_ts)
        if ts is None:
            rest = [item for p in parts[index - 1 :] for item in p.get("items", [])]
            _release(factory, digest_id, rest)
            error = (
                f"recovered: part {index}/{total} was never posted; "
                f"{len(rest)} items released for the next digest"
            )
            _finish(factory, digest_id, status=FAILED, error=error, now=None)
            return f"digest {digest_id}: {error}"
        _mark_delivered(factory, digest_id, stored.get("items", []), ts, now)
        posted.append(ts)
    status = SENT if any(p.get("items") for p in parts) else EMPTY
    _finish(factory, digest_id, status=status, error=None, now=now)
    return f"digest {digest_id}: found all {total} parts already posted; marked delivered"


# --- delivery ---------------------------------------------------------------------------------


def _failed(
    error: str, setting: str | None, digest_id: int | None = None, **counts: Any
) -> DeliveryOutcome:
    return DeliveryOutcome(
        status="failed",
        digest_id=digest_id,
        events=counts.get("events", 0),
        articles=counts.get("articles", 0),
        messages=counts.get("messages", 0),
        text=counts.get("text", ""),
        error=error,
        setting=setting,
        notes=tuple(counts.get("notes", ())),
    )


def deliver_digest(
    factory: sessionmaker[Session],
    *,
    sender: SlackSender | None,
    channel: str | None,
    now: datetime,
    send_empty: bool = True,
    preview_path: Path | None = None,
    title: str = DEFAULT_TITLE,
    stale_after: timedelta = DEFAULT_STALE_AFTER,
) -> DeliveryOutcome:
    """Post every pending item once: claim, post (parts 2.. in a thread), mark delivered.

    Without a sender (no ``SLACK_BOT_TOKEN``) this is a preview: Block Kit JSON is written to
    ``preview_path`` and nothing is marked delivered. Slack errors never raise: they come back as
    status 'failed' with the error and the setting to fix; database errors do raise.
    """
    if sender is None:
        return preview_digest(
            factory, now=now, preview_path=preview_path, title=title, setting=TOKEN_SETTING
        )
    if not channel:
        return _failed(f"{CHANNEL_SETTING} is not set: no channel to post to", CHANNEL_SETTING)

    try:
        notes = _recover(factory, sender, channel, now, stale_after)
    except SlackDeliveryError as exc:
        return _failed(f"checking an unsettled earlier digest: {exc}", exc.setting)
    for note in notes:
        log.info("%s", note)

    claim = _claim(factory, channel=channel, now=now, title=title, send_empty=send_empty)
    if claim is None:
        return DeliveryOutcome(
            status="nothing", digest_id=None, events=0, articles=0, messages=0, text="",
            notes=tuple(notes),
        )  # fmt: skip

    messages = claim.messages
    events = len(claim.content.events)
    articles = len(claim.content.other_articles)
    thread_ts: str | None = None
    posted = 0
    for message in messages:
        try:
            ts = sender.post(
                channel,
                message.text,
                message.blocks,
                metadata=digest_metadata(claim.digest_id, message.part),
                thread_ts=thread_ts,
            )
        except SlackDeliveryError as exc:
            return _fail_part(factory, claim, message, exc, posted, notes)
        _mark_delivered(factory, claim.digest_id, message.items, ts, now)
        posted += 1
        thread_ts = thread_ts or ts

    status = EMPTY if claim.content.is_empty else SENT
    _finish(factory, claim.digest_id, status=status, error=None, now=now)
    return DeliveryOutcome(
        status="empty" if status == EMPTY else "sent",
        digest_id=claim.digest_id,
        events=events,
        articles=articles,
        messages=posted,
        text=_all_text(messages),
        notes=tuple(notes),
    )


def _fail_part(
    factory: sessionmaker[Session],
    claim: _Claim,
    message: DigestMessage,
    exc: SlackDeliveryError,
    posted: int,
    notes: list[str],
) -> DeliveryOutcome:
    later = [item for m in claim.messages[message.part :] for item in m.items]
    where = f"part {message.part}/{message.parts}" if message.parts > 1 else "the message"
    if exc.uncertain:
        # Slack may hold this part: keep its claims so nobody re-posts it; the next run looks.
        _release(factory, claim.digest_id, later)
        error = f"posting {where}: {exc}"
        _finish(factory, claim.digest_id, status=POSTING, error=error, now=None)
    else:
        _release(factory, claim.digest_id, list(message.items) + later)
        error = f"posting {where}: {exc}"
        if posted:
            error += f" ({posted} earlier part(s) were posted and are delivered)"
        _finish(factory, claim.digest_id, status=FAILED, error=error, now=None)
    delivered = [item for m in claim.messages[: message.part - 1] for item in m.items]
    return _failed(
        error,
        exc.setting,
        claim.digest_id,
        events=sum(1 for t, _ in delivered if t == ITEM_EVENT),
        articles=sum(1 for t, _ in delivered if t == ITEM_ARTICLE),
        messages=posted,
        text=_all_text(claim.messages),
        notes=notes,
    )
