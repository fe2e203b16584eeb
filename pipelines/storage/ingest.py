"""Storing a crawl's items: idempotent upserts, failures to retry (what the spider must know
before it starts is ``pipelines.storage.crawl_state``).

Every write is keyed on the article's canonical address, so replaying the same crawl output
changes nothing, and an edited article updates its row (revision + 1, previous hash kept).

Values are made storable first (``pipelines.storage.storable``). Items are applied in bounded
batches, each in a savepoint: a batch the database refuses is applied again item by item, and
the item it still refuses is quarantined (``pipelines.storage.quarantine``) while the rest of
the crawl is stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from pipelines.core.instants import EVERYTHING, Span, parse_instant
from pipelines.core.items import (
    ArticleItem,
    CrawlItem,
    FailureItem,
    SeenItem,
    SourceItem,
    UnchangedItem,
)
from pipelines.core.text import clean_text, content_hash, normalise_space
from pipelines.core.urls import ICHONGQING_SOURCE, key_for
from pipelines.storage.batches import apply_in_batches
from pipelines.storage.models import (
    Article,
    CrawlFailure,
    SourceDocument,
)
from pipelines.storage.quarantine import Quarantine, one_line
from pipelines.storage.storable import (
    MAX_URL,
    storable_int,
    storable_json,
    storable_optional,
    storable_text,
)
from pipelines.storage.stored import stored_ids

# No article of the site is older than this; an earlier date is a parsing accident.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
# Items applied (and flushed) per savepoint: a refused batch is retried item by item.
BATCH_SIZE = 200


@dataclass
class ApplyResult:
    """What one crawl's items did to the database."""

    seen: int = 0
    new_ids: list[int] = field(default_factory=list)
    updated_ids: list[int] = field(default_factory=list)
    unchanged: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    # Items held back: the database refused them, or their address fits no column.
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    # Articles read by the crawl but published outside the run's span: left for a run of theirs.
    outside_span: int = 0
    # Articles dated out of range (recorded as failures).
    out_of_range: int = 0

    @property
    def changed_ids(self) -> list[int]:
        return self.new_ids + self.updated_ids


def _validated(
    item: ArticleItem, source: str = ICHONGQING_SOURCE
) -> tuple[dict[str, Any] | None, str | None]:
    """Normalise one article item; return (values, None) or (None, reason it is unusable)."""
    title = normalise_space(storable_text(item.title or ""))
    published = parse_instant(item.published_at)
    body = clean_text(storable_text(item.body_text or ""))
    url = storable_text(item.url or "")
    if len(url) > MAX_URL:
        return None, f"address longer than {MAX_URL} characters ({len(url)})"
    if key_for(source, url) is None:
        return None, f"not an article address: {url!r}"
    if not title:
        return None, "no title"
    if published is None:
        return None, f"no usable publication date: {item.published_at!r}"
    if not body:
        return None, "empty body"
    author = ", ".join(a for a in item.authors if a) or item.author
    values = {
        "url": url,
        "source": source,
        "url_key": key_for(source, url),
        "title": title,
        "author": normalise_space(storable_text(author or "")),
        "published_at": published,
        "modified_at": parse_instant(item.modified_at),
        "body_text": body,
        "post_id": storable_int(item.post_id),
        "categories": storable_json(list(item.categories)),
        "tags": storable_json(list(item.tags)),
        "sitemap_lastmod": parse_instant(item.sitemap_lastmod),
        "etag": storable_optional(item.etag, 256),
        "http_last_modified": storable_optional(item.http_last_modified, 64),
        "extraction": storable_json(item.extraction or {}),
    }
    values["content_hash"] = content_hash(title, values["author"], published.isoformat(), body)
    return values, None


class _Failures:
    """The unresolved failures, loaded once per crawl (few: a stored article usually has
    none); a resolved one is looked up by URL only when its page fails again."""

    def __init__(self, session: Session, quarantine: Quarantine) -> None:
        self.session = session
        self.quarantine = quarantine
        # Unresolved failures only (few); a resolved one is looked up when its page fails again.
        self.by_url = {
            f.url: f
            for f in session.scalars(select(CrawlFailure).where(CrawlFailure.resolved_at.is_(None)))
        }

    def record(self, url: str, reason: str, now: datetime, item: CrawlItem | None = None) -> None:
        url, reason = storable_text(url), storable_text(reason)
        if len(url) > MAX_URL:
            # No address column holds it: kept in quarantine, never retried as is.
            self.quarantine.hold(url, reason, asdict(item) if item else {"url": url})
            return
        failure = self.by_url.get(url) or self.session.scalar(
            select(CrawlFailure).where(CrawlFailure.url == url)
        )
        if failure is None:
            failure = CrawlFailure(url=url, reason=reason, first_failed_at=now, last_failed_at=now)
            self.session.add(failure)
        else:
            failure.attempts += 1
            failure.reason = reason
            failure.last_failed_at = now
            failure.resolved_at = None
        self.by_url[url] = failure

    def resolve(self, urls: Iterable[str], now: datetime) -> None:
        for url in urls:
            failure = self.by_url.get(url)
            if failure is not None and failure.resolved_at is None:
                failure.resolved_at = now
        self.quarantine.resolve(urls)


def apply_crawl_items(
    session: Session,
    items: Iterable[CrawlItem],
    *,
    now: datetime,
    span: Span = EVERYTHING,
    crawl_id: int | None = None,
    batch_size: int = BATCH_SIZE,
    source: str = ICHONGQING_SOURCE,
) -> ApplyResult:
    """Store one crawl's items: upsert articles, record failures and what was seen.

    Only articles published within ``span`` are written (a partition writes its own rows);
    the others are counted in ``outside_span`` and stay unstored, so a later crawl of their
    days fetches them again. Items go in batches of ``batch_size`` (each flushed in a
    savepoint); an item the database refuses is quarantined, the others are stored.
    """
    quarantine = Quarantine(session, crawl_id, now)
    apply = _Apply(session, now, _KeyIndex(session, span, source), _Failures(session, quarantine))
    apply_in_batches(session, items, batch_size, apply.one, apply, apply.hold)
    session.flush()
    apply.settle()
    result = apply.result
    result.quarantined = quarantine.held
    index = apply.index
    # Filtered once every article of the crawl is known: a sitemap is read before its pages.
    index.prefetch(apply.listed)
    listed = {key: lastmod for key, lastmod in apply.listed.items() if index.in_span(key)}
    fetched = set(index.touched)
    known = index.resolved_ids()
    result.seen += sum(1 for key in listed if key in known and key not in fetched)
    _apply_listed(session, index, listed, now)
    return result


class _Apply:
    """One crawl's items being applied: the state a refused batch is rolled back to."""

    def __init__(self, session: Session, now: datetime, index: _KeyIndex, failures: _Failures):
        self.session = session
        self.now = now
        self.index = index
        self.failures = failures
        self.result = ApplyResult()
        self.added: list[Article] = []
        self.listed: dict[str, str | None] = {}

    def hold(self, item: CrawlItem, error: StatementError) -> None:
        url = getattr(item, "url", None)
        reason = f"refused by the database: {one_line(error)}"
        self.failures.quarantine.hold(url, reason, asdict(item))
        if isinstance(item, ArticleItem) and url:
            # Also a failure to retry: the next crawl fetches the page again, even one outside
            # its window, so that a fixed page is stored (a bounded number of times).
            self.failures.record(url, f"quarantined: {reason}", self.now)

    def settle(self) -> None:
        """After a flush: the articles added so far are known by id and their rows released,
        so that a crawl of any size holds a bounded number of rows in memory."""
        self.result.new_ids += [article.id for article in self.added]
        self.added.clear()
        self.index.settle()

    def snapshot(self) -> tuple[Any, ...]:
        # Called as each batch begins: the batches before it are flushed.
        self.settle()
        index, result = self.index, self.result
        return (
            replace(result, failed=list(result.failed), rejected=list(result.rejected),
                    updated_ids=list(result.updated_ids), new_ids=list(result.new_ids)),
            len(self.added), dict(self.listed), dict(self.failures.by_url),
            self.failures.quarantine.snapshot(), dict(index._ids), dict(index._published),
            set(index._asked), set(index.touched), dict(index.added),
        )  # fmt: skip

    def restore(self, mark: tuple[Any, ...]) -> None:
        result, added, listed, failures, held, ids, published, asked, touched, new = mark
        self.result = result
        del self.added[added:]
        self.listed = listed
        self.failures.by_url = failures
        self.failures.quarantine.restore(held)
        self.index._ids, self.index._published, self.index._asked = ids, published, asked
        self.index.touched, self.index.added = touched, new

    def one(self, item: CrawlItem) -> None:
        session, index, result, now = self.session, self.index, self.result, self.now
        match item:
            case ArticleItem():
                _apply_article(session, item, index, self.failures, self.added, result, now)
            case UnchangedItem():
                if not index.in_span(item.key):
                    result.outside_span += 1
                    return
                result.seen += 1
                result.unchanged += 1
                article = index.get(item.key)
                if article is not None:
                    article.last_seen_at = now
                    lastmod = parse_instant(item.sitemap_lastmod)
                    if lastmod is not None:
                        article.sitemap_lastmod = lastmod
            case SeenItem():
                self.listed.update(item.lastmods)
            case FailureItem():
                result.failed.append({"url": item.url, "reason": item.reason})
                self.failures.record(item.url or "?", item.reason or "unknown", now, item)
            case SourceItem():
                _remember_source(session, item, now)


def _apply_article(
    session: Session,
    item: ArticleItem,
    index: _KeyIndex,
    failures: _Failures,
    added: list[Article],
    result: ApplyResult,
    now: datetime,
) -> None:
    values, reason = _validated(item, index.source)
    if values is None:
        result.rejected.append({"url": item.url, "reason": reason})
        failures.record(item.fetched_url or item.url or "?", f"rejected: {reason}", now, item)
        return
    published = values["published_at"]
    if not EARLIEST <= published <= now + timedelta(days=1):
        # A date no news has (2099, 1970): recorded and counted, so the page is retried a
        # bounded number of times instead of being fetched and dropped on every run.
        reason = f"publication date out of range: {published.isoformat()}"
        result.rejected.append({"url": item.url, "reason": reason})
        result.out_of_range += 1
        failures.record(item.fetched_url or item.url or "?", f"rejected: {reason}", now, item)
        return
    if published not in index.span:
        result.outside_span += 1
        return
    result.seen += 1
    key = key_for(index.source, values["url"])
    assert key is not None
    article = index.get(key)
    if article is None:
        article = Article(**values, first_seen_at=now, last_seen_at=now, updated_at=now, revision=1)
        # Flushed once for the whole crawl, not per article.
        session.add(article)
        added.append(article)
    elif article.content_hash != values["content_hash"]:
        article.previous_hash = article.content_hash
        article.revision += 1
        for name, value in values.items():
            setattr(article, name, value)
        article.last_seen_at = now
        article.updated_at = now
        # A new text needs new topics and events.
        article.taxonomy_version = None
        article.events_version = None
        if article.id is not None and article.id not in result.updated_ids:
            result.updated_ids.append(article.id)
    else:
        # Same content: keep validators and lastmod fresh so the next run skips it.
        for name in ("sitemap_lastmod", "etag", "http_last_modified", "modified_at"):
            if values[name] is not None:
                setattr(article, name, values[name])
        article.last_seen_at = now
        result.unchanged += 1
    index.add(key, article)
    failures.resolve((values["url"], item.fetched_url or ""), now)


def _apply_listed(
    session: Session, index: _KeyIndex, listed: dict[str, str | None], now: datetime
) -> None:
    """Articles listed in a sitemap were seen now; keep the sitemap's lastmod for each."""
    ids = index.resolved_ids()
    with_lastmod: list[dict[str, Any]] = []
    without: list[dict[str, Any]] = []
    for key, lastmod in listed.items():
        if key not in ids:
            continue
        instant = parse_instant(lastmod)
        if instant is None:
            without.append({"id": ids[key], "last_seen_at": now})
        else:
            with_lastmod.append({"id": ids[key], "last_seen_at": now, "sitemap_lastmod": instant})
    # ORM bulk UPDATE by primary key: one executemany, no per-row session bookkeeping.
    for rows in (with_lastmod, without):
        if rows:
            session.execute(update(Article), rows)


class _KeyIndex:
    """One source's article rows by deduplication key (iChongqing's keys are paths, its hosts
    vary; another source's keys carry the host), looked up by index (``articles.url_key``) as
    the crawl's items name them: never the whole table."""

    def __init__(self, session: Session, span: Span, source: str = ICHONGQING_SOURCE) -> None:
        self.session = session
        self.span = span
        self.source = source
        self._ids: dict[str, int] = {}
        self._published: dict[str, datetime] = {}
        # Keys already asked of the database, found or not.
        self._asked: set[str] = set()
        # Keys of articles this crawl fetched (or had confirmed unchanged by a 304).
        self.touched: set[str] = set()
        self.added: dict[str, Article] = {}

    def prefetch(self, keys: Iterable[str | None]) -> None:
        """Look up the stored ids of ``keys`` not asked yet, in a few indexed queries."""
        wanted = [k for k in keys if k and k not in self._asked and k not in self.added]
        if not wanted:
            return
        for key, (article_id, published) in stored_ids(self.session, wanted).items():
            self._ids[key] = article_id
            self._published[key] = published
        self._asked.update(wanted)

    def in_span(self, key: str | None) -> bool:
        """Whether the stored article of ``key`` was published within the run's span."""
        if self.span.is_everything:
            return True
        self.prefetch([key])
        return self._published.get(key or "") in self.span

    def get(self, key: str | None) -> Article | None:
        if not key:
            return None
        self.touched.add(key)
        if key in self.added:
            return self.added[key]
        self.prefetch([key])
        article_id = self._ids.get(key)
        return self.session.get(Article, article_id) if article_id is not None else None

    def add(self, key: str, article: Article) -> None:
        self._published[key] = article.published_at
        self._asked.add(key)
        if article.id is None:
            self.added[key] = article
        else:
            self._ids[key] = article.id
        self.touched.add(key)

    def settle(self) -> None:
        """After a flush: the added articles are known by id, their rows released."""
        for key, article in self.added.items():
            self._ids[key] = article.id
        self.added.clear()

    def resolved_ids(self) -> dict[str, int]:
        """Keys to ids of the articles looked up or stored by this crawl (after a flush)."""
        ids = dict(self._ids)
        ids.update({key: article.id for key, article in self.added.items()})
        return ids


def _remember_source(session: Session, item: SourceItem, now: datetime) -> None:
    url = storable_text(item.url or "")
    if not url or len(url) > MAX_URL:
        # Only validators for the next fetch: an address no column holds is fetched afresh.
        return
    doc = session.scalar(select(SourceDocument).where(SourceDocument.url == url))
    if doc is None:
        doc = SourceDocument(url=url)
        session.add(doc)
    doc.etag = storable_optional(item.etag, 256)
    doc.http_last_modified = storable_optional(item.last_modified, 64)
    doc.lastmod = parse_instant(item.lastmod)
    doc.fetched_at = now
