"""Is a crawl healthy? Spidermon-style judgement of a crawl's stats.

A crawl that reads nothing where the site lists articles, or whose field coverage falls below
thresholds, most likely met changed markup: it is a failure to look at, not a quiet success.
A site that is down (refused, DNS, timeouts, every request a server error, robots.txt
forbidding the pages) is said as such (:func:`site_outage`), never blamed on the markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipelines.core import stats as keys
from pipelines.core.statuses import CrawlStatus, OutageCause

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
    # What an operator should do about the problems.
    advice: str = ""

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
    outage = site_outage(stats)
    if outage is not None:
        # The site, not its markup: the checks above would only echo the outage.
        health.status, health.problems, health.advice = outage.status, [outage.why], outage.advice
    elif health.problems:
        health.status = CrawlStatus.MARKUP_CHANGED
        health.advice = MARKUP_ADVICE
    return health


MARKUP_ADVICE = (
    "look at the crawl log and the pages: the parser (crawlers/parsing) may need updating"
)
_CAUSE_TEXT = {
    OutageCause.REFUSED: "connection refused",
    OutageCause.DNS: "its host name does not resolve (DNS)",
    OutageCause.TIMEOUT: "requests timed out",
    OutageCause.CONNECTION_LOST: "connections were dropped",
    OutageCause.SERVER_ERROR: "server errors",
}
_UNREACHABLE_ADVICE = (
    "check CQMONITOR_SOURCE_URL and that the site is up and reachable from this machine, "
    "then run again"
)
_SERVER_ADVICE = "the site is failing or refusing cqmonitor: run again later"
_ROBOTS_ADVICE = (
    "cqmonitor obeys robots.txt: ask the site to allow it, or point CQMONITOR_SOURCE_URL "
    "at a copy it may crawl"
)


@dataclass(frozen=True)
class Outage:
    """The site, not its pages, stopped the crawl: which status, why, and what to do."""

    status: CrawlStatus
    why: str
    advice: str


def _statuses_text(by_status: Mapping[str, int]) -> str:
    return ", ".join(f"HTTP {status} x{n}" for status, n in sorted(by_status.items()))


def site_outage(stats: Mapping[str, Any], *, trailing_limit: int = 5) -> Outage | None:
    """Whether the site was down (from the start, or from some point of the crawl), and how.

    Reads the final outcome of each request (``crawlers.middlewares.OutcomeMiddleware``) and
    Scrapy's robots.txt count; None when the site answered.
    """
    answered = int(stats.get(keys.OUTCOME_ANSWERED, 0))
    unreachable = keys.with_prefix(stats, keys.OUTCOME_UNREACHABLE_PREFIX)
    server = keys.with_prefix(stats, keys.OUTCOME_SERVER_ERROR_PREFIX)
    trailing = int(stats.get(keys.OUTCOME_TRAILING_FAILURES, 0))
    cause = str(stats.get(keys.OUTCOME_TRAILING_CAUSE, ""))
    forbidden = int(stats.get(keys.ROBOTS_FORBIDDEN, 0))
    read = int(stats.get(keys.ARTICLES_SCRAPED, 0)) + int(stats.get(keys.ARTICLES_NOT_MODIFIED, 0))
    if answered == 0 and unreachable:
        main = max(unreachable, key=lambda k: unreachable[k])
        count = sum(unreachable.values())
        return Outage(
            CrawlStatus.UNREACHABLE,
            f"cannot reach the site: {_CAUSE_TEXT.get(main, main)} ({count} request(s))",
            _UNREACHABLE_ADVICE,
        )
    if answered == 0 and server:
        return Outage(
            CrawlStatus.SERVER_ERROR,
            f"the site answered every request with a server error ({_statuses_text(server)})",
            _SERVER_ADVICE,
        )
    if trailing >= trailing_limit or stats.get(keys.FINISH_REASON) == keys.FINISH_SITE_DOWN:
        down = cause == OutageCause.SERVER_ERROR
        what = _statuses_text(server) if down else _CAUSE_TEXT.get(cause, cause or "no answer")
        return Outage(
            CrawlStatus.SERVER_ERROR if down else CrawlStatus.UNREACHABLE,
            f"the site stopped answering during the crawl: {what} for the last {trailing} "
            f"page(s), after {answered} answer(s); what was read is stored",
            _SERVER_ADVICE if down else _UNREACHABLE_ADVICE,
        )
    if forbidden and read == 0:
        return Outage(
            CrawlStatus.ROBOTS_DENIED,
            f"robots.txt forbids the pages cqmonitor reads ({forbidden} request(s) refused)",
            _ROBOTS_ADVICE,
        )
    return None
