"""What the analysts' report reads: the report views (``report_events``, ``report_articles``,
``report_weekly``; migration 0005), as typed rows.

The views are declared here as SQLAlchemy tables of their own metadata (never created from it:
Alembic owns them), so that instants bind and load as aware UTC on SQLite (ISO text) and on
PostgreSQL (``timestamptz``) alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, func, select
from sqlalchemy.orm import Session

from pipelines.core.instants import Span, cst_day
from pipelines.storage.models import Article, ArticleTopic, Event, UTCDateTime

# Marks "every topic" / "every event kind" in report_weekly (see the migration).
ALL = "*"
SEPARATOR = ", "

views = MetaData()

report_events = Table(
    "report_events",
    views,
    Column("event_key", String),
    Column("kind", String),
    Column("name", Text),
    Column("date_text", Text),
    Column("start_date", String),
    Column("end_date", String),
    Column("place", Text),
    Column("topics", Text),
    Column("articles", Integer),
    Column("first_reported_at", UTCDateTime()),
    Column("last_reported_at", UTCDateTime()),
    Column("title", Text),
    Column("url", Text),
    # 0006: one row per edition, read from event_editions.
    Column("organisers", Text),
    Column("proposers", Text),
    Column("status", String),
    Column("sources", Text),
    Column("series_key", String),
    Column("edition", String),
    Column("venue", Text),
    Column("city", Text),
    Column("parent_key", String),
    Column("parent_name", Text),
    Column("sequence", Integer),
    Column("changed_at", UTCDateTime()),
)

report_articles = Table(
    "report_articles",
    views,
    Column("id", Integer),
    Column("title", Text),
    Column("url", Text),
    Column("published_at", UTCDateTime()),
    Column("author", Text),
    Column("topics", Text),
    Column("events", Integer),
    Column("categories", Text),
    Column("published_date", String),
    Column("week", String),
)

report_weekly = Table(
    "report_weekly",
    views,
    Column("week", String),
    Column("topic", String),
    Column("kind", String),
    Column("articles", Integer),
    Column("events", Integer),
    Column("week_start", String),
    Column("articles_on_topics", Integer),
    Column("events_on_topics", Integer),
)

VIEW_NAMES = tuple(views.tables)


def split_joined(text: str | None) -> tuple[str, ...]:
    """The values of a comma-joined view column (``topics``)."""
    return tuple(part for part in (text or "").split(SEPARATOR) if part)


@dataclass(frozen=True)
class WeeklyCount:
    """A row of ``report_weekly``: articles and distinct events of an ISO week (CST)."""

    week: str
    week_start: date
    topic: str
    kind: str
    articles: int
    events: int
    articles_on_topics: int
    events_on_topics: int


@dataclass(frozen=True)
class ReportedEvent:
    """A row of ``report_events``: one distinct event and where it was first reported."""

    event_key: str
    kind: str
    name: str
    date_text: str | None
    start_date: str | None
    end_date: str | None
    place: str | None
    topics: tuple[str, ...]
    articles: int
    first_reported_at: datetime
    last_reported_at: datetime
    title: str
    url: str
    # Reported within the span by an article on at least one topic.
    on_topics: bool
    organisers: tuple[str, ...] = ()
    proposers: tuple[str, ...] = ()  # "name (role)"
    status: str | None = None
    venue: str | None = None
    city: str | None = None
    edition: str = ""
    parent_name: str | None = None


@dataclass(frozen=True)
class ReportedArticle:
    """A row of ``report_articles`` (the columns the report uses)."""

    id: int
    title: str
    url: str
    published_at: datetime
    topics: tuple[str, ...]
    events: int


def _within(column: Column, span: Span) -> list:
    conditions = []
    if span.start is not None:
        conditions.append(column >= span.start)
    if span.end is not None:
        conditions.append(column < span.end)
    return conditions


def weekly_counts(session: Session, first_week: date, last_week: date) -> list[WeeklyCount]:
    """``report_weekly`` rows of the ISO weeks starting (Monday) from ``first_week`` to
    ``last_week``, both included."""
    c = report_weekly.c
    rows = session.execute(
        select(report_weekly)
        .where(c.week_start >= first_week.isoformat(), c.week_start <= last_week.isoformat())
        .order_by(c.week_start, c.topic, c.kind)
    )
    return [
        WeeklyCount(
            week=r.week,
            week_start=date.fromisoformat(r.week_start),
            topic=r.topic,
            kind=r.kind,
            articles=int(r.articles),
            events=int(r.events),
            articles_on_topics=int(r.articles_on_topics),
            events_on_topics=int(r.events_on_topics),
        )
        for r in rows
    ]


def events_reported(session: Session, span: Span) -> list[ReportedEvent]:
    """Every distinct event reported by an article published within ``span`` (an event first
    reported earlier and reported again in the span is one of them), first reported first;
    ``on_topics`` tells whether an article of the span on a topic reports it."""
    c = report_events.c
    reported = (
        select(Event.id)
        .join(Article, Article.id == Event.article_id)
        .where(Event.kind == c.kind, Event.event_key == c.event_key)
        .where(*_within(Article.published_at, span))
    )
    on_topics = reported.where(Article.id.in_(select(ArticleTopic.article_id)))
    rows = session.execute(
        select(report_events, on_topics.exists().label("on_topics"))
        .where(reported.exists())
        .order_by(c.first_reported_at, c.name)
    )
    return [
        ReportedEvent(
            event_key=r.event_key,
            kind=r.kind,
            name=r.name,
            date_text=r.date_text,
            start_date=r.start_date,
            end_date=r.end_date,
            place=r.place,
            topics=split_joined(r.topics),
            articles=int(r.articles),
            first_reported_at=r.first_reported_at,
            last_reported_at=r.last_reported_at,
            title=r.title,
            url=r.url,
            on_topics=bool(r.on_topics),
            organisers=split_joined(r.organisers),
            proposers=split_joined(r.proposers),
            status=r.status,
            venue=r.venue,
            city=r.city,
            edition=r.edition or "",
            parent_name=r.parent_name,
        )
        for r in rows
    ]


def articles_published(session: Session, span: Span) -> list[ReportedArticle]:
    """``report_articles`` rows published within ``span``, oldest first."""
    c = report_articles.c
    rows = session.execute(
        select(c.id, c.title, c.url, c.published_at, c.topics, c.events)
        .where(*_within(c.published_at, span))
        .order_by(c.published_at, c.id)
    )
    return [
        ReportedArticle(
            id=int(r.id),
            title=r.title,
            url=r.url,
            published_at=r.published_at,
            topics=split_joined(r.topics),
            events=int(r.events),
        )
        for r in rows
    ]


def newest_article_day(session: Session) -> date | None:
    """The CST publication day of the newest stored article, if any."""
    newest = session.scalar(select(func.max(report_articles.c.published_at)))
    return cst_day(newest) if newest is not None else None
