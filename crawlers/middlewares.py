"""Downloader middlewares: retries with exponential backoff; robots.txt cached for a day.

Scrapy's own RetryMiddleware re-sends a failed request at once; a server answering 503 because
it is overloaded deserves a pause first, growing with each attempt (and ``Retry-After`` when it
says how long).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet import reactor
from twisted.internet.task import deferLater

from crawlers.outcome import FAIL_FAST, never_answered, outage_cause
from pipelines.core import stats as keys

# RFC 9309, 2.4: a crawler may cache robots.txt for up to 24 hours.
ROBOTS_MAX_AGE = 24 * 3600.0


class BackoffRetryMiddleware(RetryMiddleware):
    """Retry 5xx, 429 and timeouts ``RETRY_TIMES`` times, waiting base * 2^(n-1) seconds."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("CRAWL_RETRY_BACKOFF", 1.0)
        self.cap = settings.getfloat("CRAWL_RETRY_BACKOFF_MAX", 60.0)

    def _delay(self, retry: Request, response: Response | None) -> float:
        attempt = int(retry.meta.get("retry_times", 1))
        delay = self.base * 2 ** (attempt - 1)
        if response is not None:
            header = (response.headers.get("Retry-After") or b"").decode("latin-1").strip()
            if header.isdigit():
                delay = max(delay, float(header))
        return min(delay, self.cap)

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._pause(self._delay(result, response))
        return result

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Any = None
    ) -> Request | Response | None:
        if outage_cause(exception) in FAIL_FAST and never_answered(self.crawler):
            # Nothing has ever answered from this address: no retry (see OutcomeMiddleware).
            return None
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._pause(self._delay(result, None))
        return result


class CachedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with robots.txt kept between crawls for a day.

    RFC 9309 lets a crawler cache robots.txt for up to 24 hours; every crawl is a new process,
    so without a cache each 15-minute poll would fetch it again. The cache (a JSON file named by
    ``CRAWL_ROBOTS_CACHE``) holds each host's body, status and fetch time.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        path = crawler.settings.get("CRAWL_ROBOTS_CACHE") or ""
        self.cache_path = Path(path) if path else None
        self.max_age = crawler.settings.getfloat("CRAWL_ROBOTS_MAX_AGE", ROBOTS_MAX_AGE)

    def _cache(self) -> dict[str, Any]:
        if self.cache_path is None or not self.cache_path.exists():
            return {}
        try:
            data = json.loads(self.cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    async def robot_parser(self, request: Request) -> RobotParser | None:
        netloc = urlparse_cached(request).netloc
        if netloc not in self._parsers:
            entry = self._cache().get(netloc)
            if isinstance(entry, dict) and time.time() - float(entry.get("at", 0)) < self.max_age:
                body = str(entry.get("body", "")).encode("utf-8")
                self._parsers[netloc] = build_from_crawler(self._parserimpl, self.crawler, body)
                self._stats.inc_value(keys.ROBOTS_CACHED)
        return await super().robot_parser(request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        await super()._parse_robots(response, netloc, request)
        if self.cache_path is None or response.status >= 500:
            return  # a server error says nothing about the rules: ask again next time
        body = response.body.decode("utf-8", errors="replace") if response.status < 400 else ""
        cache = self._cache()
        cache[netloc] = {"body": body, "status": response.status, "at": time.time()}
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            self.cache_path.write_text(json.dumps(cache), encoding="utf-8")
        except OSError:
            pass  # no cache this time; the rules themselves were read
