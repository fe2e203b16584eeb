"""What the site did with each request: answered, a server error, or no answer (and why).

:class:`OutcomeMiddleware` sits above the retries and sees every attempt's outcome: answered,
a server error, or no answer (refused, DNS, timeout). Its counts let the crawl's judgement
(``pipelines.monitoring.site_outage``) name a site that is down instead of blaming the markup,
and a run of pages with no answer in between stops the crawl rather than hammering a site that
is down.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request, exceptions
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import error
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from pipelines.core import stats as keys
from pipelines.core.statuses import OutageCause

# Most specific first: the cause a request got no answer for.
_CAUSES: tuple[tuple[tuple[type[BaseException], ...], OutageCause], ...] = (
    (
        (exceptions.DownloadConnectionRefusedError, error.ConnectionRefusedError),
        OutageCause.REFUSED,
    ),
    ((exceptions.CannotResolveHostError, error.DNSLookupError), OutageCause.DNS),
    (
        (exceptions.DownloadTimeoutError, error.TimeoutError, error.TCPTimedOutError),
        OutageCause.TIMEOUT,
    ),
    (
        (
            exceptions.DownloadFailedError,
            exceptions.ResponseDataLossError,
            error.ConnectError,
            error.ConnectionLost,
            error.ConnectionDone,
            ResponseFailed,
            ResponseNeverReceived,
        ),
        OutageCause.CONNECTION_LOST,
    ),
)


def outage_cause(exception: BaseException) -> OutageCause | None:
    """Why a download got no answer, or None for what is no fault of the site (robots.txt...)."""
    for classes, cause in _CAUSES:
        if isinstance(exception, classes):
            return cause
    return None


# No answer at all from the address: worth no retry while nothing has answered yet.
FAIL_FAST = frozenset({OutageCause.REFUSED, OutageCause.DNS})


def never_answered(crawler: Crawler) -> bool:
    """Whether no request of this crawl has been answered yet (robots.txt included)."""
    stats = crawler.stats
    return (
        stats is not None
        and not stats.get_value(keys.OUTCOME_ANSWERED, 0)
        and not (stats.get_value("downloader/response_count", 0))
    )


def refused(status: int) -> bool:
    """A final status that refuses the request: a server error, or rate limiting."""
    return status >= 500 or status == 429


class OutcomeMiddleware:
    """Count what the site did with each request sent; stop the crawl once it is plainly down.

    It sits above the retries, so it sees every attempt: a site that died mid-crawl is noticed
    at once, not after every queued request has spent its retries (minutes at a polite delay).
    ``CRAWL_OUTAGE_AFTER`` different pages in a row that got no usable answer close the
    spider with the finish reason ``site_down``; one page failing its retries never does.
    """

    def __init__(self, crawler: Crawler) -> None:
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats = crawler.stats
        self.limit = crawler.settings.getint("CRAWL_OUTAGE_AFTER", 5)
        # Pages that failed since the last answer.
        self.failing: set[str] = set()
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OutcomeMiddleware:
        return cls(crawler)

    def _failed(self, url: str, cause: str) -> None:
        self.failing.add(url)
        self.stats.set_value(keys.OUTCOME_TRAILING_FAILURES, len(self.failing))
        self.stats.set_value(keys.OUTCOME_TRAILING_CAUSE, cause)
        if self.limit > 0 and len(self.failing) >= self.limit and not self.closing:
            self.closing = True
            engine = self.crawler.engine
            if engine is not None:
                deferred_from_coro(engine.close_spider_async(reason=keys.FINISH_SITE_DOWN))

    def process_request(self, request: Request, spider: Any = None) -> None:
        if self.closing and never_answered(self.crawler):
            # Nothing ever answered and the crawl is stopping: a request still on its way would
            # wait out the polite delay (seconds to minutes) only to be refused too.
            raise exceptions.IgnoreRequest("the site does not answer: the crawl is stopping")

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        if request.url.endswith("/robots.txt") and not refused(response.status):
            # robots.txt answering says nothing of the pages (a down site may still serve it).
            return response
        if refused(response.status):
            self.stats.inc_value(keys.server_error(response.status))
            self._failed(request.url, OutageCause.SERVER_ERROR)
        else:
            self.stats.inc_value(keys.OUTCOME_ANSWERED)
            self.failing.clear()
            self.stats.set_value(keys.OUTCOME_TRAILING_FAILURES, 0)
        return response

    def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> None:
        cause = outage_cause(exception)
        if cause is None:
            return
        self.stats.inc_value(keys.unreachable(cause))
        self._failed(request.url, cause)
        if never_answered(self.crawler) and cause in FAIL_FAST and not self.closing:
            # Refused or unknown before anything answered: the address is wrong or the site is
            # down. Retrying at a polite delay only makes the operator wait (31 s before).
            self.closing = True
            engine = self.crawler.engine
            if engine is not None:
                deferred_from_coro(engine.close_spider_async(reason=keys.FINISH_SITE_DOWN))
