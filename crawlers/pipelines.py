"""Scrapy item pipeline that counts field coverage of scraped articles.

Coverage per field (``coverage/title`` ...) is how a run notices that the site's markup changed:
a field that suddenly goes missing on most pages means the parser no longer finds it.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from pipelines.core import stats as keys
from pipelines.core.items import ArticleItem, CrawlItem

PRECISE_DATE_SOURCES = {"json-ld", "opengraph", "markup:time"}
COVERED_FIELDS = (
    "title",
    "published_at",
    "modified_at",
    "author",
    "body_text",
    "tags",
    "categories",
)


class CoveragePipeline:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CoveragePipeline:
        assert crawler.stats is not None
        return cls(crawler.stats)

    @staticmethod
    def _precise_date(item: ArticleItem) -> bool:
        source = item.extraction.get("published_at", {}).get("source")
        return bool(item.published_at) and source in PRECISE_DATE_SOURCES

    def process_item(self, item: CrawlItem) -> CrawlItem:
        if not isinstance(item, ArticleItem):
            return item
        self.stats.inc_value(keys.COVERAGE_ARTICLES)
        for name in COVERED_FIELDS:
            if name == "published_at" and not self._precise_date(item):
                # A date read off the URL or a day-only byline is a fallback: it keeps the
                # article, but must not hide a markup change from the coverage figures.
                self.stats.inc_value(keys.ARTICLES_DATE_IMPRECISE)
                continue
            if getattr(item, name):
                self.stats.inc_value(keys.coverage(name))
            sources = item.extraction.get(name, {})
            if isinstance(sources, dict) and sources.get("source"):
                self.stats.inc_value(keys.source(name, sources["source"]))
        return item
