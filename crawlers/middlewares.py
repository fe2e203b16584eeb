"""Downloader middleware: retries with exponential backoff.

Scrapy's own RetryMiddleware re-sends a failed request at once; a server answering 503 because
it is overloaded deserves a pause first, growing with each attempt (and ``Retry-After`` when it
says how long).
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater


class BackoffRetryMiddleware(RetryMiddleware):
    """Retry 5xx, 429 and timeouts ``RETRY_TIMES`` times, waiting base * 2^(n-1) seconds."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("CQMONITOR_RETRY_BACKOFF", 1.0)
        self.cap = settings.getfloat("CQMONITOR_RETRY_BACKOFF_MAX", 60.0)

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
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._pause(self._delay(result, None))
        return result
