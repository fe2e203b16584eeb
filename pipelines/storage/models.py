"""SQLAlchemy 2 models of cqmonitor's database: the tables docs/contract.md names, plus crawl and
delivery bookkeeping.

Instants are stored in UTC: ``TIMESTAMP WITH TIME ZONE`` on PostgreSQL and ISO 8601 text on SQLite
(SQLite has no timezone-aware type and would silently drop the offset).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator, TypeEngine

from pipelines.core.instants import utcnow
from pipelines.core.statuses import CrawlStatus, DeliveryStatus, DigestStatus
from pipelines.core.urls import ICHONGQING_SOURCE, key_for

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware instant, always UTC: native timestamptz on PostgreSQL, ISO text on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: cqmonitor stores aware instants only")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # Fixed width so that text comparison orders like time.
            return value.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


def _url_key(context: Any) -> str | None:
    """The deduplication key of a row being inserted, from its source and URL (``key_for``)."""
    params = context.get_current_parameters()
    return key_for(params.get("source") or ICHONGQING_SOURCE, params.get("url") or "")


class Article(Base):
    """One article of the source site, keyed by its canonical address."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    # The configured source (pipelines.sources) whose crawl stored it.
    source: Mapped[str] = mapped_column(
        String(64), default="ichongqing", server_default="ichongqing", index=True
    )
    # ``key_for(source, url)``: the crawl looks a listed article up by it (index), never loads all.
    url_key: Mapped[str | None] = mapped_column(String(2048), index=True, default=_url_key)
    title: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(index=True)
    modified_at: Mapped[datetime | None]
    body_text: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Beyond the contract: what an operator needs to trust and re-crawl the row.
    post_id: Mapped[int | None]
    categories: Mapped[list[Any]] = mapped_column(JSON, default=list)
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    sitemap_lastmod: Mapped[datetime | None]
    etag: Mapped[str | None] = mapped_column(String(256))
    http_last_modified: Mapped[str | None] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    previous_hash: Mapped[str | None] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # Indexed: the checks after a run read the rows it wrote (``queries.check_since``).
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Where each field came from (json-ld / opengraph / markup) and its raw value.
    extraction: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Which taxonomy last classified the row: a changed taxonomy re-classifies it.
    # Indexed: the articles awaiting analysis are found without reading the others.
    taxonomy_version: Mapped[str | None] = mapped_column(String(64), index=True)
    events_version: Mapped[str | None] = mapped_column(String(64), index=True)

    topics: Mapped[list[ArticleTopic]] = relationship(
        back_populates="article", cascade="all, delete-orphan", passive_deletes=True
    )
    events: Mapped[list[Event]] = relationship(
        back_populates="article", cascade="all, delete-orphan", passive_deletes=True
    )


class ArticleTopic(Base):
    """A topic an article is on, with the score and the evidence that decided it."""

    __tablename__ = "article_topics"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(32), primary_key=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    evidence: Mapped[list[Any]] = mapped_column(JSON, default=list)
    taxonomy_version: Mapped[str | None] = mapped_column(String(64))

    article: Mapped[Article] = relationship(back_populates="topics")


class Event(Base):
    """An event (conference, alliance, proposal) as one article reports it.

    The same event reported by several articles has one row per article and one ``event_key``:
    the edition's key (``series_key|edition``, e.g. ``smart china expo|2024``), so another year of
    the same event is another key (``pipelines.events.editions``).
    """

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("article_id", "kind", "event_key"),
        Index("ix_events_event_key", "kind", "event_key"),
        Index("ix_events_series_key", "kind", "series_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text)
    event_key: Mapped[str] = mapped_column(String(512))
    date_text: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[str | None] = mapped_column(String(10))
    end_date: Mapped[str | None] = mapped_column(String(10))
    place: Mapped[str | None] = mapped_column(Text)
    organisers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    proposers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    # The series (name without edition markers) and the edition within it (0006).
    series_key: Mapped[str | None] = mapped_column(String(512))
    edition: Mapped[str | None] = mapped_column(String(32))
    venue: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(16))  # EventStatus
    parent: Mapped[str | None] = mapped_column(Text)  # the umbrella event's name
    # Nullable: rows older than 0006 have none (read as no roles).
    proposer_roles: Mapped[list[Any] | None] = mapped_column(JSON, default=list)

    article: Mapped[Article] = relationship(back_populates="events")


class EventEdition(Base):
    """One real-world event: an edition with all its reports (``events`` rows of one key),
    its slots resolved (the latest report that gives one wins: a later report may move a date).

    ``sequence`` counts the moves of its date or place (the calendar's SEQUENCE); ``changed_at``
    and ``change`` tell the last one, for the "event changed" alert.
    """

    __tablename__ = "event_editions"
    __table_args__ = (UniqueConstraint("kind", "event_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    event_key: Mapped[str] = mapped_column(String(512))
    series_key: Mapped[str] = mapped_column(String(512))
    edition: Mapped[str] = mapped_column(String(32), default="")
    name: Mapped[str] = mapped_column(Text)
    date_text: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[str | None] = mapped_column(String(10))
    end_date: Mapped[str | None] = mapped_column(String(10))
    place: Mapped[str | None] = mapped_column(Text)
    venue: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(16))
    organisers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # [{"name": ..., "role": ...}]
    proposers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    sources: Mapped[list[Any]] = mapped_column(JSON, default=list)  # hosts of the reports
    parent_name: Mapped[str | None] = mapped_column(Text)
    parent_key: Mapped[str | None] = mapped_column(String(512))  # the umbrella's event_key
    articles: Mapped[int] = mapped_column(Integer, default=0)
    first_reported_at: Mapped[datetime | None]
    last_reported_at: Mapped[datetime | None]
    title: Mapped[str | None] = mapped_column(Text)  # the first report's
    url: Mapped[str | None] = mapped_column(String(2048))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime | None]
    change: Mapped[str | None] = mapped_column(Text)  # "date: 2025-10-12/2025-10-12 -> ..."
    # What the last move replaced.
    previous_start_date: Mapped[str | None] = mapped_column(String(10))
    previous_end_date: Mapped[str | None] = mapped_column(String(10))
    previous_place: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CrawlRun(Base):
    """One crawl: its window, owner, outcome and Scrapy stats (statuses: ``CrawlStatus``).

    The row whose status is ``running`` is its source's crawl lock: the partial unique index
    allows one such row per source at a time on SQLite and PostgreSQL alike, and its owner
    (host, pid) keeps ``heartbeat_at`` fresh while it crawls (``pipelines.storage.lock``).
    """

    __tablename__ = "crawl_runs"
    __table_args__ = (
        Index(
            "uq_crawl_runs_running",  # pipelines.storage.lock.RUNNING_INDEX
            "source",
            "status",
            unique=True,
            sqlite_where=text("status = 'running'"),
            postgresql_where=text("status = 'running'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default=CrawlStatus.RUNNING)
    # The configured source crawled: one crawl per source (host) at a time.
    source: Mapped[str] = mapped_column(
        String(64), default="ichongqing", server_default="ichongqing"
    )
    source_url: Mapped[str] = mapped_column(String(2048))
    since: Mapped[str | None] = mapped_column(String(10))
    until: Mapped[str | None] = mapped_column(String(10))
    requests: Mapped[int] = mapped_column(Integer, default=0)
    items: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message: Mapped[str | None] = mapped_column(Text)
    # The crawl's JSON Lines output, until the ``articles`` step has stored it.
    items_path: Mapped[str | None] = mapped_column(Text)
    # Who holds the lock while it runs, and when it last said it is alive.
    host: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None]
    heartbeat_at: Mapped[datetime | None]
    dagster_run_id: Mapped[str | None] = mapped_column(String(64))


class PipelineRun(Base):
    """One ``cqmonitor run`` (or ``demo``): when, by whom, and how it ended (``RunStatus``).

    A run killed outright stays ``running``; ``cqmonitor status`` tells it by its gone pid.
    """

    __tablename__ = "pipeline_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    command: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="running")
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    exit_code: Mapped[int | None]
    message: Mapped[str | None] = mapped_column(Text)


class SourceDocument(Base):
    """A discovery document (feed, sitemap) and its validators, for conditional re-fetching."""

    __tablename__ = "source_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    etag: Mapped[str | None] = mapped_column(String(256))
    http_last_modified: Mapped[str | None] = mapped_column(String(64))
    lastmod: Mapped[datetime | None]
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class CrawlFailure(Base):
    """A page that could not be fetched or parsed: retried later, a bounded number of times."""

    __tablename__ = "crawl_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_failed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_failed_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class QuarantinedItem(Base):
    """A crawl item that could not be stored, kept raw with the reason, so that the rest of its
    crawl is stored and an operator sees what was held back (``cqmonitor status``). Resolved
    when a later crawl stores its article; a page that is fixed is fetched again meanwhile."""

    __tablename__ = "quarantined_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # sha256 of the item's address (or of the raw record when it has none): any length fits.
    item_key: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    # The record as JSON with every non-ASCII character escaped: storable whatever it holds.
    raw: Mapped[str] = mapped_column(Text)
    crawl_run_id: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_quarantined_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_quarantined_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class Digest(Base):
    """One digest: recorded before it is posted, so a lost reply cannot cause a double post."""

    __tablename__ = "digests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription: Mapped[str] = mapped_column(String(64), default="default", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=DigestStatus.PENDING)
    channel: Mapped[str | None] = mapped_column(String(256))
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    message_ts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text, default="")
    blocks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    # The run posting it: a digest whose owner is gone is settled at once, not after a wait.
    host: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None]


class Delivery(Base):
    """An item (an event or an article) of a digest: claimed before posting, delivered after.

    The unique ``(subscription, item_type, item_key)`` makes a claim exclusive within one
    subscription, so two runs at once never post the same item to one team; a failed post
    releases its claims and the items stay pending.
    """

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("subscription", "item_type", "item_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription: Mapped[str] = mapped_column(String(64), default="default")
    item_type: Mapped[str] = mapped_column(String(16))
    item_key: Mapped[str] = mapped_column(String(2048))
    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.CLAIMED)
    message_ts: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]


class Correction(Base):
    """A reader's correction of a delivered item (``CorrectionKind``): who, when, which item,
    what it was and what it is now. Applied to the decisions at once, and again whenever they
    are recomputed (``pipelines.storage.corrections.apply_all``)."""

    __tablename__ = "corrections"
    __table_args__ = (Index("ix_corrections_item", "item_type", "item_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    item_type: Mapped[str] = mapped_column(String(16))
    item_key: Mapped[str] = mapped_column(String(2048))
    # The event kind of an event item, and the item's topics when corrected (for the report).
    event_kind: Mapped[str | None] = mapped_column(String(32))
    topics: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # The articles the item stood for when corrected (their labels are exported).
    article_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    user_id: Mapped[str] = mapped_column(String(64))
    user_name: Mapped[str] = mapped_column(String(255), default="")
    source: Mapped[str] = mapped_column(String(32), default="slack")
    channel: Mapped[str | None] = mapped_column(String(64))
    message_ts: Mapped[str | None] = mapped_column(String(64))
