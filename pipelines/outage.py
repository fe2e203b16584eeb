"""Was the site down? Said as such: refused, DNS, timeouts, every request a server error,
robots.txt forbidding the pages, or a site that stopped answering mid-crawl; never blamed on
the markup.

Read from the crawl's stats: each attempt's outcome (``crawlers.outcome.OutcomeMiddleware``)
and Scrapy's robots.txt count. ``pipelines.monitoring.assess_crawl`` asks it first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipelines.core import stats as keys
from pipelines.core.statuses import CrawlStatus, OutageCause

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

    None when the site answered.
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
