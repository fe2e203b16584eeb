"""Stored history for ``benchmarks/history.py`` and ``tests/test_history_scale.py``: databases,
and years of articles bulk-loaded.

A real crawl of a small loopback site stores a few hundred recent articles (with topics, events
and source documents); :func:`bulk_load` then copies those rows, under new addresses and older
publication instants, until the database holds the size asked for, and marks every event,
report and topic article delivered to every subscription: the steady state of a monitor that
has run for years (nothing pending). The copies are not on the site: the spider skips the
sitemaps of old months by their lastmod, as it does in production.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.engine import make_url

from pipelines.core.instants import CST
from pipelines.core.statuses import DeliveryStatus, DigestItemType, DigestStatus
from pipelines.core.urls import article_key
from pipelines.storage.models import Article, ArticleTopic, Digest, Event

CHUNK = 2_000
HISTORY_START = datetime(2016, 1, 1, 8, 0, tzinfo=CST)


def fresh_postgres(base_url: str, name: str) -> str:
    """A new, empty database ``name`` on the server of ``base_url``; its SQLAlchemy URL."""
    url = make_url(base_url)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres(base_url: str, name: str) -> None:
    url = make_url(base_url)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _rows(engine: Engine, table: Any) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(select(table))]


def bulk_load(engine: Engine, total: int, until: datetime) -> int:
    """Copy the stored articles until ``total`` are stored, published before ``until``."""
    templates = _rows(engine, Article.__table__)
    if not templates:
        raise RuntimeError("nothing stored to copy: the first crawl stored no article")
    topics: dict[int, list[dict[str, Any]]] = {}
    for row in _rows(engine, ArticleTopic.__table__):
        topics.setdefault(row["article_id"], []).append(row)
    events: dict[int, list[dict[str, Any]]] = {}
    for row in _rows(engine, Event.__table__):
        row.pop("id")
        events.setdefault(row["article_id"], []).append(row)
    missing = total - len(templates)
    with engine.connect() as conn:
        next_id = int(conn.scalar(select(func.max(Article.id))) or 0) + 1
    step = (until - HISTORY_START) / max(missing, 1)
    host = templates[0]["url"].split("/")[2]
    batch: dict[str, list[dict[str, Any]]] = {"a": [], "t": [], "e": []}
    for i in range(missing):
        template = templates[i % len(templates)]
        published = HISTORY_START + step * i
        day = published.astimezone(CST)
        article_id = next_id + i
        row = dict(template)
        url = f"https://{host}/{day:%Y/%m/%d}/history-copy-{article_id}/"
        row.update(
            id=article_id,
            url=url,
            url_key=article_key(url),
            published_at=published,
            modified_at=None,
            sitemap_lastmod=published,
            first_seen_at=published,
            last_seen_at=published,
            updated_at=published,
            post_id=10_000_000 + i,
        )
        batch["a"].append(row)
        for topic in topics.get(template["id"], []):
            batch["t"].append(dict(topic, article_id=article_id))
        for event in events.get(template["id"], []):
            batch["e"].append(
                dict(event, article_id=article_id, event_key=f"{event['event_key']}~{article_id}")
            )
        if len(batch["a"]) >= CHUNK or i == missing - 1:
            _flush(engine, batch)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('articles', 'id'), max(id)) FROM articles"
                )
            )
    return missing


def _flush(engine: Engine, batch: dict[str, list[dict[str, Any]]]) -> None:
    with engine.begin() as conn:
        for key, table in (("a", Article), ("t", ArticleTopic), ("e", Event)):
            if batch[key]:
                conn.execute(insert(table.__table__), batch[key])
            batch[key] = []


def mark_delivered(engine: Engine, subscriptions: list[tuple[str, bool]]) -> None:
    """Every event, report and topic article delivered to each (name, instant) subscription."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for name, instant in subscriptions:
            digest_id = conn.execute(
                insert(Digest.__table__).returning(Digest.__table__.c.id),
                {"subscription": name, "status": DigestStatus.SENT, "created_at": now,
                 "channel": "C0HISTORY1", "item_count": 0, "message_ts": [], "text": "",
                 "blocks": []},
            ).scalar_one()  # fmt: skip
            common = {"sub": name, "digest": digest_id, "status": DeliveryStatus.DELIVERED}
            now_text = "CURRENT_TIMESTAMP"
            conn.execute(
                text(
                    "INSERT INTO deliveries (subscription, item_type, item_key, digest_id, status,"
                    " message_ts, claimed_at, delivered_at) SELECT DISTINCT :sub, :kind,"
                    " e.kind || ':' || e.event_key, :digest, :status, '1.000001',"
                    f" {now_text}, {now_text} FROM events e"
                ),
                {**common, "kind": DigestItemType.EVENT},
            )
            if instant:
                conn.execute(
                    text(
                        "INSERT INTO deliveries (subscription, item_type, item_key, digest_id,"
                        " status, message_ts, claimed_at, delivered_at) SELECT DISTINCT :sub,"
                        " :kind, e.kind || ':' || e.event_key || '@' || a.url, :digest, :status,"
                        f" '1.000002', {now_text}, {now_text}"
                        " FROM events e JOIN articles a ON a.id = e.article_id"
                    ),
                    {**common, "kind": DigestItemType.REPORT},
                )
            conn.execute(
                text(
                    "INSERT INTO deliveries (subscription, item_type, item_key, digest_id, status,"
                    " message_ts, claimed_at, delivered_at) SELECT :sub, :kind, a.url, :digest,"
                    f" :status, '1.000003', {now_text}, {now_text} FROM articles a"
                    " WHERE EXISTS (SELECT 1 FROM article_topics t WHERE t.article_id = a.id)"
                    " AND NOT EXISTS (SELECT 1 FROM events e WHERE e.article_id = a.id)"
                ),
                {**common, "kind": DigestItemType.ARTICLE},
            )


def analyze(engine: Engine) -> None:
    """Planner statistics, as autovacuum (PostgreSQL) would have them after years of runs:
    without them PostgreSQL may pick a nested loop over freshly bulk-loaded tables."""
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def history_until(site_start: datetime) -> datetime:
    """The bulk copies end the day before the site's oldest article."""
    return site_start - timedelta(days=1)


def per_day(count: int, first: datetime, last: datetime) -> int:
    """Posts a day so that ``count`` articles fit between two instants."""
    return max(1, math.ceil(count / max(1, (last - first).days)))
