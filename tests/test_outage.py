"""A site that is down is said as such, from the crawl's stats: pure functions, no crawl."""

from __future__ import annotations

import pytest
from scrapy import exceptions
from twisted.internet import error

from crawlers.outcome import outage_cause
from pipelines.core import stats as keys
from pipelines.core.statuses import CrawlStatus, OutageCause
from pipelines.monitoring import assess_crawl
from pipelines.outage import site_outage


@pytest.mark.parametrize(
    ("exception", "cause"),
    [
        (exceptions.DownloadConnectionRefusedError(), OutageCause.REFUSED),
        (error.ConnectionRefusedError(), OutageCause.REFUSED),
        (exceptions.CannotResolveHostError(), OutageCause.DNS),
        (error.DNSLookupError(), OutageCause.DNS),
        (exceptions.DownloadTimeoutError(), OutageCause.TIMEOUT),
        (error.TCPTimedOutError(), OutageCause.TIMEOUT),
        (error.ConnectionLost(), OutageCause.CONNECTION_LOST),
        (exceptions.IgnoreRequest("Forbidden by robots.txt"), None),
        (ValueError("a bug"), None),
    ],
)
def test_each_download_error_has_its_cause(exception: Exception, cause: OutageCause | None) -> None:
    assert outage_cause(exception) == cause


def test_nothing_answered_and_connections_refused_is_unreachable() -> None:
    outage = site_outage({keys.unreachable("refused"): 5, keys.OUTCOME_TRAILING_FAILURES: 5})
    assert outage is not None and outage.status == CrawlStatus.UNREACHABLE
    assert outage.why == "cannot reach the site: connection refused (5 request(s))"
    assert "CQMONITOR_SOURCE_URL" in outage.advice


def test_the_main_cause_is_named() -> None:
    outage = site_outage({keys.unreachable("dns"): 4, keys.unreachable("timeout"): 1})
    assert outage is not None and "does not resolve (DNS) (5 request(s))" in outage.why


def test_every_answer_a_server_error_is_a_server_error() -> None:
    outage = site_outage({keys.server_error(503): 4, keys.server_error(500): 1})
    assert outage is not None and outage.status == CrawlStatus.SERVER_ERROR
    assert "every request with a server error (HTTP 500 x1, HTTP 503 x4)" in outage.why


def test_a_site_that_stops_answering_mid_crawl_is_unreachable_and_keeps_what_was_read() -> None:
    stats = {
        keys.OUTCOME_ANSWERED: 40,
        keys.ARTICLES_SCRAPED: 30,
        keys.unreachable("refused"): 5,
        keys.OUTCOME_TRAILING_FAILURES: 5,
        keys.OUTCOME_TRAILING_CAUSE: "refused",
        keys.FINISH_REASON: keys.FINISH_SITE_DOWN,
    }
    health = assess_crawl(stats)
    assert health.status == CrawlStatus.UNREACHABLE
    assert health.problems == [
        "the site stopped answering during the crawl: connection refused for the last 5 "
        "page(s), after 40 answer(s); what was read is stored"
    ]


def test_robots_txt_forbidding_the_pages_is_not_a_markup_change() -> None:
    health = assess_crawl({keys.ROBOTS_FORBIDDEN: 12, keys.OUTCOME_ANSWERED: 0})
    assert health.status == CrawlStatus.ROBOTS_DENIED
    assert health.problems == [
        "robots.txt forbids the pages cqmonitor reads (12 request(s) refused)"
    ]


def test_a_few_failures_among_answers_are_no_outage() -> None:
    stats = {
        keys.OUTCOME_ANSWERED: 40,
        keys.ARTICLES_SCRAPED: 30,
        keys.unreachable("timeout"): 1,
        keys.OUTCOME_TRAILING_FAILURES: 0,
        keys.SITEMAP_URLS: 30,
    }
    assert site_outage(stats) is None


def test_a_site_that_answers_but_lists_nothing_is_still_a_markup_change() -> None:
    health = assess_crawl({keys.OUTCOME_ANSWERED: 3})
    assert health.status == CrawlStatus.MARKUP_CHANGED
    assert "no article link found" in health.problems[0]
