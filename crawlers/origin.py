"""Every request stays on the source's origin (scheme, host and port), and redirects do not
go round in circles.

Scrapy's ``allowed_domains`` compares hosts only, so a page redirecting to another port of the
source's host (``127.0.0.1:5432``, a database) was followed. :class:`SameOriginMiddleware` sees
every request before it is sent, redirects included (Scrapy re-schedules them), and drops the
ones that leave the origin. A redirect back to an address of its own chain was dropped by the
duplicate filter without a word; :class:`LoopAwareRedirectMiddleware` names it a loop. The
spider's errback records each dropped page as a failure with its reason, and each drop is
counted in the stats (``dropped/offsite_redirect``, ``dropped/redirect_loop``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest

from pipelines.core import stats as keys

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of ``url``, the default port made explicit."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = -1
    return scheme, (parts.hostname or "").lower(), port or DEFAULT_PORTS.get(scheme)


class OffOriginRequest(IgnoreRequest):
    """A request, most likely a redirect, that would leave the source's origin."""


class SameOriginMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SameOriginMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        site = getattr(self.crawler.spider, "site", None)
        if site is None:
            return
        if origin(request.url) == origin(site.base_url):
            return
        redirected = request.meta.get("redirect_urls") or []
        what = f"redirect from {redirected[0]} to" if redirected else "request to"
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(keys.OFFSITE_REDIRECT if redirected else keys.OFFSITE_REQUEST)
        raise OffOriginRequest(f"{what} {request.url}: off the source's scheme, host or port")


class RedirectLoop(IgnoreRequest):
    """A redirect back to an address already in its chain."""


class LoopAwareRedirectMiddleware(RedirectMiddleware):
    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        result = super()._redirect(redirected, request, reason)
        chain = list(result.meta.get("redirect_urls", []))
        if result.url in chain:
            stats = self.crawler.stats
            if stats is not None:
                stats.inc_value(keys.REDIRECT_LOOP)
            raise RedirectLoop(f"redirect loop: {' -> '.join([*chain, result.url])}")
        return result
