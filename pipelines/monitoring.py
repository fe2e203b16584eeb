"""Is a crawl healthy? Spidermon-style judgement of a crawl's stats.

A crawl that reads nothing where the site lists articles, or whose field coverage falls below
thresholds, most likely met changed markup: it is a failure to look at, not a quiet success.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipelines.core import stats as keys
from pipelines.core.statuses import CrawlStatus

# Share of fetched article pages on which each field was found.
COVERAGE_THRESHOLDS: dict[str, float] = {
    "title": 0.98,
    "published_at": 0.98,
    "body_text": 0.95,
}
# Fields watched and reported, not judged: many posts legitimately have no author or edit time.
REPORTED_FIELDS = ("author", "modified_at", "tags", "categories")


@dataclass
class CrawlHealth:
    status: CrawlStatus
    problems: list[str] = field(default_factory=list)
    coverage: dict[str, float] = field(default_factory=dict)
    pages_read: int = 0
    listed_to_fetch: int = 0

    @property
    def ok(self) -> bool:
        return self.status == CrawlStatus.SUCCESS


def _count(stats: Mapping[str, Any], prefix: str) -> int:
    return sum(keys.with_prefix(stats, prefix).values())


def requests_by_status(stats: Mapping[str, Any]) -> dict[str, int]:
    return keys.with_prefix(stats, keys.RESPONSE_STATUS_PREFIX)


def dropped_by_reason(stats: Mapping[str, Any]) -> dict[str, int]:
    return keys.with_prefix(stats, keys.DROPPED_PREFIX)


def assess_crawl(
    stats: Mapping[str, Any],
    *,
    thresholds: Mapping[str, float] | None = None,
    min_pages_for_coverage: int = 5,
) -> CrawlHealth:
    """Judge one crawl from its Scrapy stats (as written by ``crawlers.extensions.StatsDump``)."""
    thresholds = COVERAGE_THRESHOLDS if thresholds is None else thresholds
    scraped = int(stats.get(keys.ARTICLES_SCRAPED, 0))
    not_modified = int(stats.get(keys.ARTICLES_NOT_MODIFIED, 0))
    dropped = _count(stats, keys.DROPPED_PREFIX)
    # Pages whose fields were looked for: stored ones plus those dropped as unreadable.
    pages = scraped + int(stats.get(keys.ARTICLES_UNPARSEABLE, 0))
    listed = _count(stats, keys.SCHEDULED_PREFIX)
    health = CrawlHealth(status=CrawlStatus.SUCCESS, pages_read=scraped, listed_to_fetch=listed)

    for name in (*thresholds, *REPORTED_FIELDS):
        if pages:
            health.coverage[name] = round(int(stats.get(keys.coverage(name), 0)) / pages, 4)
    if pages >= min_pages_for_coverage:
        for name, minimum in thresholds.items():
            share = health.coverage.get(name, 0.0)
            if share < minimum:
                health.problems.append(
                    f"field coverage of {name} is {share:.0%} (< {minimum:.0%}): "
                    "the site's markup probably changed"
                )
    http_failed = _count(stats, keys.FAILED_PREFIX) + _count(stats, keys.ERRORS_PREFIX)
    if listed > 0 and scraped + not_modified == 0 and (dropped or not http_failed):
        health.problems.append(
            f"the site listed {listed} article(s) to fetch but none could be read"
        )
    discovered = int(stats.get(keys.FEED_ENTRIES, 0)) + int(stats.get(keys.SITEMAP_URLS, 0))
    unchanged_sources = (
        int(stats.get(keys.FEED_NOT_MODIFIED, 0))
        + int(stats.get(keys.SITEMAP_NOT_MODIFIED, 0))
        + int(stats.get(keys.SITEMAP_SKIPPED_UNCHANGED, 0))
    )
    if discovered == 0 and unchanged_sources == 0 and int(stats.get(keys.LISTING_LINKS, 0)) == 0:
        health.problems.append(
            "no article link found in the feed or the sitemaps: the site's markup or "
            "addresses probably changed"
        )
    if health.problems:
        health.status = CrawlStatus.FAILED
    return health
