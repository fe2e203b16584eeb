"""Scrapy item pipeline that counts field coverage and provenance of scraped articles.

Coverage per field (``coverage/title`` ...) is how a run notices that the fallbacks too read
nothing: a field that suddenly goes missing on most pages. The path per field
(``field_path/body_text/fallback`` ...) is how it notices that the site's markup changed while
the generic fallbacks still read the pages: drift, worth a warning, not a failure.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawlers.parsing.fields import PRECISE_DATE_SOURCES, SITE_PATH
from pipelines.core import stats as keys
from pipelines.core.items import ArticleItem, CrawlItem

COVERED_FIELDS = (
    "title",
    "published_at",
    "modified_at",
    "author",
    "body_text",
    "tags",
    "categories",
)
# The item's field names where the provenance record (``extraction``) names them otherwise.
_EXTRACTION_NAMES = {"author": "authors", "body_text": "body"}


def _record(item: ArticleItem, name: str) -> dict[str, Any]:
    record = item.extraction.get(_EXTRACTION_NAMES.get(name, name), {})
    return record if isinstance(record, dict) else {}


def _precise_date(item: ArticleItem) -> bool:
    record = _record(item, "published_at")
    precise = record.get("precise")
    if precise is None:  # an item of a crawler older than the flag
        precise = record.get("source") in PRECISE_DATE_SOURCES
    return bool(item.published_at) and bool(precise)


def path_kind(path: str | None) -> str:
    """``site``, ``fallback`` or ``none`` for a field's recorded path."""
    if path == SITE_PATH:
        return keys.PATH_SITE
    if path and path.startswith("fallback"):
        return keys.PATH_FALLBACK
    return keys.PATH_NONE


def field_stats(item: ArticleItem) -> list[str]:
    """The stat keys one article page adds: coverage, source and path of each field."""
    out: list[str] = []
    for name in COVERED_FIELDS:
        record = _record(item, name)
        out.append(keys.field_path(name, path_kind(record.get("path"))))
        if record.get("source"):
            out.append(keys.source(name, str(record["source"])))
        if name == "published_at" and not _precise_date(item):
            # A date read off the URL or a day-only byline keeps the article, but must not
            # hide a markup change from the coverage figures.
            out.append(keys.ARTICLES_DATE_IMPRECISE)
            continue
        if getattr(item, name):
            out.append(keys.coverage(name))
    return out


class CoveragePipeline:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CoveragePipeline:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_item(self, item: CrawlItem) -> CrawlItem:
        if not isinstance(item, ArticleItem):
            return item
        self.stats.inc_value(keys.COVERAGE_ARTICLES)
        for key in field_stats(item):
            self.stats.inc_value(key)
        return item
