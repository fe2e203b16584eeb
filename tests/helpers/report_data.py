"""A small database for the report views and the report: articles, topics and events chosen for
their edges (a CST Monday that is a UTC Sunday, an ISO week of the next year, an event reported
twice with its place given only the second time, an event only an off-topic article reports,
text that must be escaped), stored through the real models.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipelines.storage.editions import edition_of, sync_editions
from pipelines.storage.models import Article, ArticleTopic, Event

# 2025-03-10 00:30 CST, a Monday of ISO week 2025-W11; its UTC date (Sunday 9 Mar) is in W10.
NEAR_MIDNIGHT = datetime(2025, 3, 9, 16, 30, tzinfo=UTC)
# 2024-12-30 01:00 CST, the Monday of ISO week 2025-W01; its UTC date is in 2024-W52.
NEW_ISO_YEAR = datetime(2024, 12, 29, 17, 0, tzinfo=UTC)
HOSTILE = "<img src=x onerror=alert(1)> | *pipe*"

ARTICLES: list[dict[str, Any]] = [
    {
        "slug": "talent-conference-opens",
        "title": "Talent Conference Opens",
        "published_at": NEAR_MIDNIGHT,
        "categories": ["News"],
        "topics": ["talent"],
        "events": [("conference", "2025 Chongqing Talent Conference", None, None)],
    },
    {
        "slug": "talent-conference-draws-carmakers",
        "title": "Talent Conference Draws Carmakers",
        "published_at": datetime(2025, 3, 11, 2, 0, tzinfo=UTC),
        "categories": ["News", "Business, Tech"],
        "topics": ["talent", "nev_icv"],
        "events": [
            ("conference", "Chongqing Talents Conference", "March 10-12", "Liangjiang New Area"),
            ("alliance", f"NEV Battery Alliance {HOSTILE}", None, "Chongqing"),
        ],
    },
    {
        "slug": "cruise-forum",
        "title": "Cruise Forum Plans Routes",
        "published_at": datetime(2025, 3, 4, 3, 0, tzinfo=UTC),
        "categories": ["Travel"],
        "topics": [],
        "events": [("conference", "Yangtze Cruise Tourism Forum", None, "Chongqing")],
    },
    {
        "slug": "satellite-proposal",
        "title": "Deputy Proposes Satellite Fund",
        "published_at": NEW_ISO_YEAR,
        "categories": [],
        "topics": ["aerospace_information"],
        "events": [("proposal", "proposal on a satellite fund", None, None)],
    },
    {
        "slug": "drone-makers",
        "title": f"Drone Makers Gather {HOSTILE}",
        "published_at": datetime(2025, 3, 5, 10, 0, tzinfo=UTC),
        "categories": ["Business"],
        "topics": ["aerospace_information"],
        "events": [],
    },
]

URL = "https://www.ichongqing.info/2025/03/{slug}/"


def seed(session: Session) -> list[Article]:
    """Store :data:`ARTICLES`; returns the rows."""
    rows = []
    for spec in ARTICLES:
        article = Article(
            url=URL.format(slug=spec["slug"]),
            title=spec["title"],
            author="CQ Reporter",
            published_at=spec["published_at"],
            body_text=f"{spec['title']}.",
            content_hash=spec["slug"],
            categories=list(spec["categories"]),
            tags=[],
            extraction={},
        )
        session.add(article)
        session.flush()
        for topic in spec["topics"]:
            session.add(ArticleTopic(article_id=article.id, topic=topic, score=1.0, evidence=["x"]))
        for kind, name, date_text, place in spec["events"]:
            series, edition, key = edition_of(session, article, kind, name, None)
            session.add(
                Event(
                    article_id=article.id,
                    kind=kind,
                    name=name,
                    event_key=key,
                    series_key=series,
                    edition=edition,
                    date_text=date_text,
                    place=place,
                )
            )
            session.flush()
        rows.append(article)
    session.flush()
    keys = {(e.kind, e.event_key) for e in session.scalars(select(Event))}
    sync_editions(session, keys, datetime(2025, 3, 12, tzinfo=UTC))
    session.flush()
    return rows
