"""The ``cqmonitor serve`` web service (Starlette, under uvicorn): health, calendar feeds, and
Slack interactions (readers' corrections).

- ``GET /healthz``: 200 and what is on (interactions, Slack token), never a secret.
- ``GET /calendar/<subscription>.ics[?token=...]``: the calendar a run wrote, with ETag and
  Last-Modified; a current copy gets 304 and no body. An unknown subscription and a wrong or
  missing token get the same 404.
- ``POST /slack/interactions``: Slack's signed requests only (401 otherwise, logged without
  the body); over 64 KB 413, before reading it all; not ours 400; too many corrections from
  one reader 429. Slack gets its answer at once; the Web API calls follow.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.to_thread
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from pipelines.corrections import (
    InteractionHandler,
    PayloadError,
    RateLimit,
    RequestGuard,
    parse_interaction,
)
from pipelines.feeds import FeedCache, calendar_path, not_modified, token_ok, valid_name
from pipelines.subscriptions import Subscription

from .followups import Followups

log = logging.getLogger("cqmonitor.serve")

MAX_BODY = 64 * 1024
DEFAULT_PER_MINUTE = 20
NOT_FOUND = "not found\n"
NO_CALENDAR = "no calendar written for this subscription yet: the next `cqmonitor run` writes it\n"


@dataclass
class ServeConfig:
    """What the service needs; ``subscriptions`` is called per request (the file may change)."""

    data_dir: str
    factory: sessionmaker[Session]
    subscriptions: Callable[[], tuple[Subscription, ...]]
    signing_secret: str = ""
    followups: Followups = field(default_factory=lambda: Followups(None))
    topic_label: Callable[[str], str] = str
    per_minute: int = DEFAULT_PER_MINUTE
    max_body: int = MAX_BODY
    now: Callable[[], float] = time.time


class _TooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused (``_TooLarge``) as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise _TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _TooLarge
    return bytes(body)


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def create_app(config: ServeConfig) -> Starlette:
    feeds = FeedCache()
    guard = RequestGuard(config.signing_secret, now=config.now) if config.signing_secret else None
    writer = anyio.CapacityLimiter(1)
    handler = InteractionHandler(
        config.factory,
        rate=RateLimit(config.per_minute),
        has_token=config.followups.client is not None,
        topic_label=config.topic_label,
    )

    async def healthz(_request: Request) -> Response:
        return JSONResponse(
            {
                "status": "ok",
                "interactions": guard is not None,
                "slack_token": config.followups.client is not None,
            }
        )

    async def calendar(request: Request) -> Response:
        name = str(request.path_params["name"])
        if not valid_name(name):
            return PlainTextResponse(NOT_FOUND, status_code=404)
        found = {s.name: s for s in await run_in_threadpool(config.subscriptions)}.get(name)
        if found is None or not token_ok(found, request.query_params.get("token")):
            return PlainTextResponse(NOT_FOUND, status_code=404)
        feed = await run_in_threadpool(feeds.get, calendar_path(config.data_dir, name))
        if feed is None:
            return PlainTextResponse(NO_CALENDAR, status_code=404)
        headers = {
            "ETag": feed.etag,
            "Last-Modified": feed.last_modified,
            # Revalidate every time (a 304 is cheap); a feed behind a token is nobody else's.
            "Cache-Control": ("private, " if found.calendar_token else "") + "no-cache",
        }
        if not_modified(
            feed, request.headers.get("if-none-match"), request.headers.get("if-modified-since")
        ):
            return Response(status_code=304, headers=headers)
        return Response(feed.body, media_type="text/calendar; charset=utf-8", headers=headers)

    async def interactions(request: Request) -> Response:
        try:
            body = await _read_body(request, config.max_body)
        except _TooLarge:
            log.warning(
                "interaction from %s refused: body over %d bytes", _client(request), config.max_body
            )
            return PlainTextResponse("request body too large\n", status_code=413)
        if guard is None:
            log.warning(
                "interaction from %s refused: SLACK_SIGNING_SECRET is not set", _client(request)
            )
            return PlainTextResponse("interactions are off on this service\n", status_code=401)
        refusal = guard.check(body, request.headers)
        if refusal is not None:
            # Logged without the body: it is someone else's data, or an attack.
            log.warning("interaction from %s refused: %s", _client(request), refusal)
            return PlainTextResponse("invalid request signature\n", status_code=401)
        try:
            interaction = parse_interaction(body)
            # One worker thread for corrections (they are written one at a time anyway):
            # waiting requests wait on the event loop, not as 40 threads contending for a lock.
            outcome = await anyio.to_thread.run_sync(handler.handle, interaction, limiter=writer)
        except PayloadError as exc:
            log.info("interaction refused: %s", exc)
            return PlainTextResponse("unknown or malformed action\n", status_code=400)
        if outcome.status == 429:
            log.info("interaction refused: rate limit for %s", interaction.reader.id)
            return PlainTextResponse("too many corrections; wait a minute\n", status_code=429)
        if outcome.correction_id is not None:
            log.info("correction #%d by %s", outcome.correction_id, interaction.reader.id)
        task = BackgroundTask(config.followups.run, outcome.calls) if outcome.calls else None
        if outcome.body is not None:
            return JSONResponse(outcome.body, status_code=outcome.status, background=task)
        return Response(status_code=outcome.status, background=task)

    routes = [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Route("/calendar/{name}.ics", calendar, methods=["GET", "HEAD"]),
        Route("/slack/interactions", interactions, methods=["POST"]),
    ]

    async def not_found(_request: Request, _exc: Exception) -> Response:
        # Every 404 reads alike: no path tells a caller whether a feed exists.
        return PlainTextResponse(NOT_FOUND, status_code=404)

    app = Starlette(routes=routes, exception_handlers={404: not_found})
    app.state.config = config
    return app


def describe_app(config: ServeConfig) -> dict[str, Any]:
    """What the service has on, for its start-up line."""
    return {
        "interactions": bool(config.signing_secret),
        "slack_token": config.followups.client is not None,
        "calendars": str(calendar_path(config.data_dir, "<subscription>")),
    }
