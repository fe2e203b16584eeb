"""The name of every crawl statistic, slash-namespaced as Scrapy's own are.

The spider and its pipeline write these keys, the crawl's stats file carries them, and the
health judgement and the Dagster metadata read them: one spelling for all of them.
"""

from __future__ import annotations

# Scrapy's own.
REQUEST_COUNT = "downloader/request_count"
RESPONSE_STATUS_PREFIX = "downloader/response_status_count/"
RETRY_COUNT = "retry/count"
FINISH_REASON = "finish_reason"
ROBOTS_CACHED = "robotstxt/cached"
ROBOTS_FORBIDDEN = "robotstxt/forbidden"

# What the site did with each request sent, retries included (crawlers.outcome):
# answered (any status below 500 but 429), a server error per status, or no answer per cause.
OUTCOME_ANSWERED = "outcome/answered"
OUTCOME_SERVER_ERROR_PREFIX = "outcome/server_error/"
OUTCOME_UNREACHABLE_PREFIX = "outcome/unreachable/"
# Pages that got no usable answer since the last answer, and why the last one failed:
# a site that went down mid-crawl ends with a long run of them.
OUTCOME_TRAILING_FAILURES = "outcome/trailing_failures"
OUTCOME_TRAILING_CAUSE = "outcome/trailing_cause"
# The finish reason of a crawl the outcome middleware stopped because the site is down.
FINISH_SITE_DOWN = "site_down"

# Discovery: where article links came from.
FEED_ENTRIES = "discovery/feed_entries"
FEED_EMPTY = "discovery/feed_empty"
FEED_NOT_MODIFIED = "discovery/feed_not_modified"
SITEMAP_URLS = "discovery/sitemap_urls"
SITEMAP_NOT_MODIFIED = "discovery/sitemap_not_modified"
SITEMAP_SKIPPED_UNCHANGED = "discovery/sitemap_skipped_unchanged"
SITEMAP_UNPARSEABLE = "discovery/sitemap_unparseable"
LISTING_PAGES = "discovery/listing_pages"
LISTING_LINKS = "discovery/listing_links"
FALLBACK_LISTINGS = "discovery/fallback_listings"
ARCHIVES_SKIPPED = "discovery/archives_skipped_window_too_long"
# A date archive answering 404: a day without posts, not a failure.
ARCHIVES_EMPTY = "discovery/archives_empty_days"
NOT_ARTICLE = "discovery/not_article"
SCHEDULED_PREFIX = "discovery/scheduled/"

# Article pages.
ARTICLES_SCRAPED = "articles/scraped"
ARTICLES_NOT_MODIFIED = "articles/not_modified"
ARTICLES_SKIPPED_UNCHANGED = "articles/skipped_unchanged"
ARTICLES_SKIPPED_OUTSIDE_WINDOW = "articles/skipped_outside_window"
ARTICLES_SKIPPED_FAILED = "articles/skipped_failed_too_often"
ARTICLES_REFETCH_EDITED = "articles/refetch_edited"
ARTICLES_RETRY_FAILED = "articles/retry_failed"
ARTICLES_UNPARSEABLE = "articles/unparseable"
ARTICLES_CANONICAL_MISMATCH = "articles/canonical_mismatch"
ARTICLES_DATE_IMPRECISE = "articles/date_imprecise"
DROPPED_PREFIX = "articles/dropped_"
FAILED_PREFIX = "articles/failed/"
ERRORS_PREFIX = "errors/"
# Requests dropped before they were sent: off the source's scheme, host or port.
OFFSITE_REDIRECT = "dropped/offsite_redirect"
OFFSITE_REQUEST = "dropped/offsite_request"
# Redirects that went round in circles (or past REDIRECT_MAX_TIMES).
REDIRECT_LOOP = "dropped/redirect_loop"
# Articles dated out of range (after tomorrow, before 2000): recorded as failures.
DATE_OUT_OF_RANGE = "dropped/date_out_of_range"

# Field coverage and provenance.
COVERAGE_ARTICLES = "coverage/articles"
COVERAGE_PREFIX = "coverage/"
SOURCE_PREFIX = "source/"
# Which reader read each field: the site path, a generic fallback, or none (``FIELD_PATHS``).
FIELD_PATH_PREFIX = "field_path/"
PATH_SITE = "site"
PATH_FALLBACK = "fallback"
PATH_NONE = "none"
FIELD_PATHS = (PATH_SITE, PATH_FALLBACK, PATH_NONE)

# Written by the store step beside the crawl's own stats.
HEALTH_COVERAGE = "health/coverage"
HEALTH_PROBLEMS = "health/problems"
# Per field, the share of pages read by each path: {"body_text": {"site": 0.0, ...}}.
HEALTH_FIELD_PATHS = "health/field_paths"
# What is worth a look but no failure ("body read by fallback on 28 of 28 pages: ...").
HEALTH_WARNINGS = "health/warnings"
# The fields read by fallback on too many pages, and whether this crawl's alert went out.
HEALTH_DRIFT = "health/drift"
HEALTH_DRIFT_ALERTED = "health/drift_alerted"
HEALTH_OUTSIDE_SPAN = "health/outside_span"
# Lines of the crawl's output file that could not be read (skipped; articles fetched again).
STORE_DAMAGED_LINES = "store/damaged_lines"
# Items the database refused, or whose address fits no column: kept in quarantined_items.
STORE_QUARANTINED = "store/quarantined"
# Notes that are no drift and no failure: a handful of bad pages (named), a damaged output
# file, quarantined items.
HEALTH_NOTES = "health/notes"


def scheduled(via: str) -> str:
    """Article requests scheduled from one discovery source (feed, sitemap, archive, ...)."""
    return f"{SCHEDULED_PREFIX}{via}"


def dropped(problem: str) -> str:
    """Article pages dropped for one problem ("no title", ...)."""
    return f"{DROPPED_PREFIX}{problem.replace(' ', '_')}"


def failed_http(status: int) -> str:
    return f"{FAILED_PREFIX}http_{status}"


def error(kind: str) -> str:
    return f"{ERRORS_PREFIX}{kind}"


def server_error(status: int) -> str:
    return f"{OUTCOME_SERVER_ERROR_PREFIX}{status}"


def unreachable(cause: str) -> str:
    """Requests that got no answer, by cause (``refused``, ``dns``, ``timeout`` ...)."""
    return f"{OUTCOME_UNREACHABLE_PREFIX}{cause}"


def coverage(field: str) -> str:
    """Article pages on which ``field`` was found."""
    return f"{COVERAGE_PREFIX}{field}"


def source(field: str, path: str) -> str:
    """Article pages whose ``field`` was read by ``path`` (``json-ld``, ``markup`` ...)."""
    return f"{SOURCE_PREFIX}{field}/{path}"


def field_path(field: str, path: str) -> str:
    """Article pages whose ``field`` was read by ``path`` (one of ``FIELD_PATHS``)."""
    return f"{FIELD_PATH_PREFIX}{field}/{path}"


def with_prefix(stats: dict[str, object], prefix: str) -> dict[str, int]:
    """The integer stats under ``prefix``, keyed by the rest of their name."""
    return {
        k[len(prefix) :]: int(v)  # type: ignore[call-overload]
        for k, v in stats.items()
        if k.startswith(prefix) and isinstance(v, int | float)
    }
