"""Is a crawl healthy? Spidermon-style judgement of a crawl's stats.

A crawl that reads nothing where the site lists articles, or whose field coverage falls below
thresholds even with the generic fallbacks, most likely met changed markup it cannot read: it is
a failure to look at, not a quiet success. A crawl whose fields were read, but by the fallbacks
on more than ``FALLBACK_WARNING_SHARE`` of its pages, met changed markup it can still read:
drift, a warning ("body read by fallback on 28 of 28 pages: the site's markup changed").
A site that is down is said as such (``pipelines.outage``), never blamed on the markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipelines.core import stats as keys
from pipelines.core.items import ArticleItem
from pipelines.core.statuses import CrawlStatus
from pipelines.outage import site_outage

# Share of fetched article pages on which each field was found.
COVERAGE_THRESHOLDS: dict[str, float] = {
    "title": 0.98,
    "published_at": 0.98,
    "body_text": 0.95,
}
# A field missing on at most this many pages is a handful of bad pages (a warning naming them),
# not evidence that the markup changed: one malformed date among 36 pages is not a redesign.
HANDFUL = 5
# Fields watched and reported, not judged: many posts legitimately have no author or edit time.
REPORTED_FIELDS = ("author", "modified_at", "tags", "categories")
# A field read by a fallback on more than this share of a crawl's pages is drift.
FALLBACK_WARNING_SHARE = 0.20
# How the run's summary names each field.
FIELD_LABELS: dict[str, str] = {
    "title": "title",
    "published_at": "publication time",
    "modified_at": "edit time",
    "author": "authors",
    "body_text": "body",
    "tags": "tags",
    "categories": "categories",
}


@dataclass
class CrawlHealth:
    status: CrawlStatus
    problems: list[str] = field(default_factory=list)
    coverage: dict[str, float] = field(default_factory=dict)
    pages_read: int = 0
    listed_to_fetch: int = 0
    # Per field, the share of pages read by each path (``site``, ``fallback``, ``none``).
    field_paths: dict[str, dict[str, float]] = field(default_factory=dict)
    # The fields read by a fallback on too many pages, and the lines that say so.
    drift: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # A handful of bad pages, and other notes worth a look that are no drift and no failure.
    notes: list[str] = field(default_factory=list)
    # What an operator should do about the problems.
    advice: str = ""

    @property
    def ok(self) -> bool:
        return self.status == CrawlStatus.SUCCESS


def field_path_counts(stats: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """Per field, the pages read by each path, as the crawl counted them."""
    counts: dict[str, dict[str, int]] = {}
    for name, count in keys.with_prefix(stats, keys.FIELD_PATH_PREFIX).items():
        field_name, _, path = name.rpartition("/")
        if field_name and path in keys.FIELD_PATHS:
            counts.setdefault(field_name, dict.fromkeys(keys.FIELD_PATHS, 0))[path] = count
    return counts


def _judge_paths(
    health: CrawlHealth, stats: Mapping[str, Any], pages: int, fallback_share: float
) -> None:
    found = field_path_counts(stats)
    order = [name for name in FIELD_LABELS if name in found]
    for name in order + sorted(set(found) - set(order)):
        counts = found[name]
        total = sum(counts.values()) or pages
        if not total:
            continue
        health.field_paths[name] = {p: round(n / total, 4) for p, n in counts.items()}
        fallback = counts[keys.PATH_FALLBACK]
        if fallback / total > fallback_share:
            health.drift.append(name)
            health.warnings.append(
                f"{FIELD_LABELS.get(name, name)} read by fallback on {fallback} of {total} "
                "pages: the site's markup changed"
            )


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
    fallback_share: float = FALLBACK_WARNING_SHARE,
) -> CrawlHealth:
    """Judge one crawl from its Scrapy stats (as written by ``crawlers.extensions.StatsDump``).

    Coverage counts a field read by either path: the crawl fails only when even the fallbacks
    read too little. A field read by the fallbacks on more than ``fallback_share`` of the pages
    is drift: a warning, the run still succeeds.
    """
    thresholds = COVERAGE_THRESHOLDS if thresholds is None else thresholds
    # "Markup changed" needs evidence across pages: more than a handful of them missing a
    # field, and below its threshold; fewer is a note naming the pages (the store step).
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
            if share >= minimum:
                continue
            missing = pages - int(stats.get(keys.coverage(name), 0))
            if missing <= HANDFUL:
                health.notes.append(
                    f"{FIELD_LABELS.get(name, name)} not read on {missing} of {pages} pages: "
                    "a handful of bad pages, not a markup change"
                )
                continue
            health.problems.append(
                f"field coverage of {name} is {share:.0%} (< {minimum:.0%}, {missing} of "
                f"{pages} pages) even with the generic fallbacks: the site's markup probably "
                "changed"
            )
    _judge_paths(health, stats, pages, fallback_share)
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


def bad_page_fields(item: ArticleItem) -> list[str]:
    """The judged fields one article page lacks (a date read only off the address counts as
    lacking, as in the coverage figures): what names a bad page in a warning."""
    lacking = []
    for name in COVERAGE_THRESHOLDS:
        record = (item.extraction or {}).get(name) or {}
        if (
            not getattr(item, name, None)
            or name == "published_at"
            and isinstance(record, dict)
            and not record.get("precise", True)
        ):
            lacking.append(FIELD_LABELS.get(name, name))
    return lacking


MARKUP_ADVICE = (
    "look at the crawl log and the pages: the parser (crawlers/parsing) may need updating"
)


def drift_to_alert(drift: Sequence[str], alerted_before: Iterable[str]) -> list[str]:
    """The drifting fields no alert has named yet in this spell of drift.

    ``alerted_before`` are the fields the previous crawl that read pages had alerted: those still
    drifting stay quiet (one alert per change of the site, not one per run); a field that
    recovered and drifts again is news again.
    """
    already = set(alerted_before)
    return [name for name in drift if name not in already]


def drift_message(health: CrawlHealth) -> str:
    """The one Slack alert of a spell of drift."""
    return (
        "The site's markup changed: the crawl still reads its pages, through the generic "
        "fallbacks. " + "; ".join(health.warnings) + ". This is the first crawl to show it; "
        "the next ones stay quiet while it lasts."
    )
