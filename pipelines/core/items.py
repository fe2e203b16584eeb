"""What the crawl hands to the store: one typed item per record of its JSON Lines output.

The spider yields these dataclasses (Scrapy exports dataclass items as they are); the store reads
the records back with :func:`item_from_record` and dispatches on the type, not on a string.
Instants travel as ISO 8601 text, the way JSON carries them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from pipelines.core.statuses import ItemKind


@dataclass(kw_only=True)
class ArticleItem:
    """An article page read: its fields, where each came from, and its HTTP validators."""

    url: str
    title: str | None
    published_at: str | None
    body_text: str
    author: str = ""
    authors: list[str] = field(default_factory=list)
    modified_at: str | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    post_id: int | None = None
    content_hash: str = ""
    # Per field: the path that read it (``source``) and the raw value.
    extraction: dict[str, Any] = field(default_factory=dict)
    key: str | None = None
    fetched_url: str | None = None
    via: str | None = None
    sitemap_lastmod: str | None = None
    etag: str | None = None
    http_last_modified: str | None = None
    kind: ItemKind = field(default=ItemKind.ARTICLE, init=False)


@dataclass(kw_only=True)
class UnchangedItem:
    """A stored article the server confirmed unchanged (HTTP 304)."""

    key: str
    url: str
    sitemap_lastmod: str | None = None
    kind: ItemKind = field(default=ItemKind.UNCHANGED, init=False)


@dataclass(kw_only=True)
class SeenItem:
    """Articles a sitemap lists, by article key, with the sitemap's ``lastmod`` of each."""

    lastmods: dict[str, str | None]
    kind: ItemKind = field(default=ItemKind.SEEN, init=False)


@dataclass(kw_only=True)
class FailureItem:
    """A page that could not be fetched or read, and why."""

    url: str
    reason: str
    key: str | None = None
    status: int | None = None
    kind: ItemKind = field(default=ItemKind.FAILURE, init=False)


@dataclass(kw_only=True)
class SourceItem:
    """A discovery document (feed, sitemap) fetched, with its validators for the next run."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    lastmod: str | None = None
    kind: ItemKind = field(default=ItemKind.SOURCE, init=False)


CrawlItem = ArticleItem | UnchangedItem | SeenItem | FailureItem | SourceItem

_BY_KIND: dict[ItemKind, type[CrawlItem]] = {
    ItemKind.ARTICLE: ArticleItem,
    ItemKind.UNCHANGED: UnchangedItem,
    ItemKind.SEEN: SeenItem,
    ItemKind.FAILURE: FailureItem,
    ItemKind.SOURCE: SourceItem,
}


class ItemError(ValueError):
    """A record of the crawl's output that is no known item."""


def item_from_record(record: Mapping[str, Any]) -> CrawlItem:
    """The typed item of one JSON record; unknown keys are ignored (older or newer crawlers)."""
    try:
        cls = _BY_KIND[ItemKind(record.get("kind"))]
    except ValueError as exc:
        raise ItemError(f"unknown crawl record kind: {record.get('kind')!r}") from exc
    names = {f.name for f in fields(cls) if f.init}
    try:
        return cls(**{k: v for k, v in record.items() if k in names})
    except TypeError as exc:
        raise ItemError(f"bad {record.get('kind')} record: {exc}") from exc


def item_record(item: CrawlItem) -> dict[str, Any]:
    """The JSON-ready record of an item (what Scrapy's exporter writes)."""
    return asdict(item)
