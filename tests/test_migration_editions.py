"""Migration 0006 on a database of revision 0005 holding deliveries (SQLite and PostgreSQL):
events are re-keyed to editions, the ledger follows without losing or repeating anything (an
edition delivered before is not pending; one the old key swallowed is), ``event_editions`` and
``report_events`` hold one row per edition; a downgrade gives the 0005 keys back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from pipelines.delivery.pending import collect_pending
from pipelines.storage.db import downgrade, make_engine, migrate, session_factory, session_scope
from pipelines.storage.models import UTCDateTime
from pipelines.subscriptions import Subscription

meta = sa.MetaData()
articles = sa.Table(
    "articles",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    *(sa.Column(n, sa.Text) for n in ("url", "title", "author", "body_text", "content_hash")),
    *(sa.Column(n, UTCDateTime()) for n in ("published_at", "first_seen_at", "last_seen_at")),
    sa.Column("updated_at", UTCDateTime()),
    *(sa.Column(n, sa.JSON) for n in ("categories", "tags", "extraction")),
    sa.Column("revision", sa.Integer),
)
topics = sa.Table(
    "article_topics",
    meta,
    sa.Column("article_id", sa.Integer),
    sa.Column("topic", sa.String),
    sa.Column("score", sa.Float),
    sa.Column("evidence", sa.JSON),
)
events = sa.Table(
    "events",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("article_id", sa.Integer),
    *(sa.Column(n, sa.Text) for n in ("kind", "name", "event_key", "start_date", "end_date")),
    *(sa.Column(n, sa.Text) for n in ("summary", "evidence", "place")),
    *(sa.Column(n, sa.JSON) for n in ("organisers", "proposers")),
)
digests = sa.Table(
    "digests",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", UTCDateTime()),
    *(sa.Column(n, sa.String) for n in ("status", "text", "subscription")),
    sa.Column("item_count", sa.Integer),
    *(sa.Column(n, sa.JSON) for n in ("message_ts", "blocks")),
)
deliveries = sa.Table(
    "deliveries",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    *(sa.Column(n, sa.String) for n in ("subscription", "item_type", "item_key", "status")),
    sa.Column("message_ts", sa.String),
    sa.Column("digest_id", sa.Integer),
    *(sa.Column(n, UTCDateTime()) for n in ("claimed_at", "delivered_at")),
)

EXPO, TALENT = "smart china expo", "chongqing international talent exchange conference"
URL = "https://www.ichongqing.info/{}/"


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T02:00:00+00:00").astimezone(UTC)


# (slug, published = first seen, event name as written, old key, start date)
STORIES = [
    ("talent-2023", "2023-11-18", "2023 Chongqing International Talent Exchange Conference",
     TALENT, "2023-11-17"),
    ("expo-2024", "2024-08-21", "2024 Smart China Expo", EXPO, "2024-08-22"),
    ("talent-2024", "2024-11-16", "Chongqing International Talent Exchange Conference",
     TALENT, "2024-11-15"),
    ("expo-2025-a", "2025-08-28", "2025 Smart China Expo", EXPO, None),
    ("expo-2025-b", "2025-08-30", "Smart China Expo", EXPO, None),
]  # fmt: skip
# The old ledger: each event item delivered the day after its first report (the 2025 expo and
# the 2024 conference never were: the old key took them for the earlier editions).
DELIVERED = [
    ("default", "event", f"conference:{TALENT}", "2023-11-19", "100.1"),
    ("default", "event", f"conference:{EXPO}", "2024-08-22", "200.1"),
    ("alerts", "event", f"conference:{EXPO}", "2024-08-22", "300.1"),
    ("alerts", "report", f"conference:{EXPO}@{URL.format('expo-2024')}", "2024-08-22", "300.1"),
]


def seed_0005(url: str) -> None:
    migrate(url, "0005")
    engine = make_engine(url)
    with engine.begin() as conn:
        for n, (slug, day, name, key, start) in enumerate(STORIES, start=1):
            conn.execute(
                articles.insert().values(
                    id=n, url=URL.format(slug), title=name, author="", body_text=name,
                    content_hash=slug, published_at=at(day), first_seen_at=at(day),
                    last_seen_at=at(day), updated_at=at(day), categories=[], tags=[],
                    extraction={}, revision=1,
                )
            )  # fmt: skip
            conn.execute(topics.insert().values(article_id=n, topic="talent", score=1, evidence=[]))
            conn.execute(
                events.insert().values(
                    article_id=n, kind="conference", name=name, event_key=key, start_date=start,
                    end_date=start, summary="", evidence="", place=None, organisers=[],
                    proposers=[],
                )
            )  # fmt: skip
        for n, (subscription, item_type, key, day, ts) in enumerate(DELIVERED, start=1):
            conn.execute(
                digests.insert().values(
                    id=n, created_at=at(day), status="sent", text="", subscription=subscription,
                    item_count=1, message_ts=[ts], blocks=[],
                )
            )  # fmt: skip
            conn.execute(
                deliveries.insert().values(
                    subscription=subscription, item_type=item_type, item_key=key,
                    status="delivered", message_ts=ts, digest_id=n, claimed_at=at(day),
                    delivered_at=at(day),
                )
            )  # fmt: skip
    engine.dispose()


def ledger(url: str) -> set[tuple[Any, ...]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT subscription, item_type, item_key, message_ts, digest_id FROM deliveries"
            )
        ).all()
    engine.dispose()
    return {tuple(r) for r in rows}


def pending(url: str, name: str) -> list[tuple[str, int]]:
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as session:
        content = collect_pending(
            session, now=at("2025-09-01"), subscription=Subscription(name=name, channel="C1")
        )
        found = sorted((ev.name, len(ev.links)) for ev in content.events)
    engine.dispose()
    return found


def test_0006_rekeys_events_and_the_ledger_losing_and_repeating_nothing(database_url: str) -> None:
    seed_0005(database_url)
    before = ledger(database_url)
    migrate(database_url)
    after = ledger(database_url)
    # Every delivered item is still delivered, under its edition's key, with its message.
    assert after == {
        ("default", "event", f"conference:{TALENT}|2023", "100.1", 1),
        ("default", "event", f"conference:{EXPO}|2024", "200.1", 2),
        ("alerts", "event", f"conference:{EXPO}|2024", "300.1", 3),
        ("alerts", "report", f"conference:{EXPO}|2024@{URL.format('expo-2024')}", "300.1", 4),
    }
    assert len(after) == len(before)
    # What the old key swallowed is pending now, once: the 2025 expo (two reports, one item)
    # and the 2024 conference; the editions delivered before are not sent again.
    want = [
        ("2025 Smart China Expo", 2),
        ("Chongqing International Talent Exchange Conference", 1),
    ]
    assert pending(database_url, "default") == want
    # The alerts subscription never had the conference: both its editions are pending there.
    assert pending(database_url, "alerts") == sorted(
        [*want, ("2023 Chongqing International Talent Exchange Conference", 1)]
    )
    engine = make_engine(database_url)
    with engine.connect() as conn:
        editions = conn.execute(
            sa.text("SELECT event_key, articles FROM report_events ORDER BY event_key")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in editions] == [
        (f"{TALENT}|2023", 1),
        (f"{TALENT}|2024", 1),
        (f"{EXPO}|2024", 1),
        (f"{EXPO}|2025", 2),
    ]

    downgrade(database_url, "0005")
    assert ledger(database_url) == before
    engine = make_engine(database_url)
    with engine.connect() as conn:
        keys = sorted(r[0] for r in conn.execute(sa.text("SELECT event_key FROM events")))
        view = conn.execute(sa.text("SELECT COUNT(*) FROM report_events")).scalar_one()
    engine.dispose()
    assert keys == sorted(s[3] for s in STORIES)
    assert view == 2  # the 0005 view: one row per old key
    migrate(database_url)
    assert ledger(database_url) == after
