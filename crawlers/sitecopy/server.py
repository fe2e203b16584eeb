"""A loopback HTTP server for the offline site copy, with hooks for tests.

``SiteServer`` serves a ``{path: Page}`` mapping (as made by ``build_site``) on 127.0.0.1 from a
daemon thread. It answers GET and HEAD with ETag / Last-Modified, honours ``If-None-Match`` and
``If-Modified-Since`` (304), redirects a directory path lacking its trailing slash (301, query
kept), and answers 404 otherwise. Tests can read the request log, inject fault statuses per path,
delay paths, and swap pages while it runs.

Request paths are matched decoded: ``/a%E4%B8%A8b/`` and the raw UTF-8 ``/a丨b/`` reach the same
page. Keys given to the server may be decoded or percent-encoded; they are normalized.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import quote, unquote_to_bytes, urlsplit

from .records import HTML, Page, page_key

PagesArg = Mapping[str, Page] | Callable[[str], Mapping[str, Page]] | None

_LOGGED_HEADERS = (
    "User-Agent",
    "If-None-Match",
    "If-Modified-Since",
    "Accept",
    "Accept-Encoding",
    "Host",
)


@dataclass(frozen=True)
class RequestRecord:
    """One answered request as the server saw it."""

    method: str
    path: str  # request target as sent: percent-encoded or raw, with its query
    key: str  # decoded path without query, as pages are keyed
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    at: float = 0.0


def _decode_target(target: str) -> tuple[str, str]:
    """(decoded path, query) of a request target; absolute-form targets lose scheme and host."""
    if target.startswith(("http://", "https://")):
        parts = urlsplit(target)
        target = parts.path + ("?" + parts.query if parts.query else "")
    path, _, query = target.partition("?")
    path = path.split("#", 1)[0]
    # http.server decodes the request line as latin-1; raw UTF-8 bytes survive that round trip.
    raw = path.encode("latin-1", errors="replace")
    decoded = unquote_to_bytes(raw).decode("utf-8", errors="replace")
    return decoded or "/", query


def _quote_path(path: str) -> str:
    return quote(path, safe="/-._~!$&'()*+,;=:@")


def _error_body(status: int, message: str) -> bytes:
    return (
        f"<!DOCTYPE html>\n<html><head><title>{status} {message}</title></head>"
        f"<body><h1>{status} {message}</h1></body></html>\n"
    ).encode()


def _http_date(dt: datetime) -> str:
    return format_datetime(dt.astimezone(UTC).replace(microsecond=0), usegmt=True)


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: SiteServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a timeout, a killed crawl) is no error of the server's.
        if isinstance(sys.exc_info()[1], ConnectionResetError | BrokenPipeError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm holds the
    # body back ~40 ms per response on loopback.
    disable_nagle_algorithm = True
    # Idle keep-alive connections are dropped so threads do not linger after a test.
    timeout = 10

    def version_string(self) -> str:
        return "nginx"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._track(self.connection, False)

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _answer(self, head: bool) -> None:
        owner = self.server.owner
        key, query = _decode_target(self.path)
        owner._pause(self.path, key)
        status, page, extra = owner._resolve(self.path, key, query)
        headers: dict[str, str] = dict(extra)
        body = b""
        if page is not None and status == 200:
            headers["Content-Type"] = page.content_type
            headers["ETag"] = page.etag
            headers["Last-Modified"] = _http_date(page.last_modified)
            headers["Cache-Control"] = "max-age=0, must-revalidate"
            headers.update(dict(page.headers))
            if self._not_modified(page):
                status = 304
            else:
                body = page.body
        elif status != 304:
            try:
                message = HTTPStatus(status).phrase
            except ValueError:
                message = "Error"
            body = _error_body(status, message)
            headers["Content-Type"] = HTML
        owner._log(self, key, status)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and status != 304:
            self.wfile.write(body)

    def _not_modified(self, page: Page) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            return _etag_matches(inm, page.etag)
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
            if since.tzinfo is None:
                since = since.replace(tzinfo=UTC)
            return page.last_modified.replace(microsecond=0) <= since
        return False


class SiteServer:
    """Threaded loopback server for a site mapping; a context manager.

    ``pages`` is a mapping of paths to pages, or a callable given the server's own base URL
    (to render a copy whose absolute links point at this server); ``None`` serves the bundled copy
    in ``theme`` (the site's own by default; ``"newsroom"``: the redesign, see ``render``).
    ``faults`` maps a path to statuses answered first, one per request (e.g. ``[503, 503]``),
    before the page is served normally; ``delays`` maps a path to seconds to wait before
    answering. Both accept decoded or percent-encoded paths, with or without a query.
    """

    def __init__(
        self,
        pages: PagesArg = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Mapping[str, Iterable[int]] | None = None,
        delays: Mapping[str, float] | None = None,
        theme: str | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._server = _Server((host, port), _Handler, bind_and_activate=True)
        self._server.owner = self
        self._thread: threading.Thread | None = None
        self._connections: set[Any] = set()
        self._requests: list[RequestRecord] = []
        self.faults: dict[str, list[int]] = {k: list(v) for k, v in (faults or {}).items()}
        self.delays: dict[str, float] = dict(delays or {})
        # Decoded path -> absolute Location answered with 302 (e.g. off-site, for fault tests).
        self.redirects: dict[str, str] = {}
        # A site that is down for every page: each request waits ``stall`` seconds, then is
        # answered with ``outage`` (e.g. 503) when set.
        self.outage: int | None = None
        self.stall: float = 0.0
        self._pages: dict[str, Page] = {}
        if pages is None:
            from .data import load_bundled_articles
            from .render import ICHONGQING, build_site

            self.set_pages(build_site(load_bundled_articles(), theme=theme or ICHONGQING))
        elif callable(pages):
            self.set_pages(pages(self.url))
        else:
            self.set_pages(pages)

    # -- life cycle ------------------------------------------------------------------------

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. ``http://127.0.0.1:51234``."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> SiteServer:
        """Serve from a daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"sitecopy-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, drop open connections and release the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(2)
        self._server.server_close()

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (for the command line)."""
        try:
            self._server.serve_forever(poll_interval=0.2)
        finally:
            self._server.server_close()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- content ---------------------------------------------------------------------------

    def set_pages(self, pages: Mapping[str, Page]) -> None:
        """Replace the whole site at once."""
        normalized = {page_key(path): page for path, page in pages.items()}
        with self._lock:
            self._pages = normalized

    def update(self, path: str, page: Page | None) -> None:
        """Add or replace one page; ``None`` removes it."""
        key = page_key(path)
        with self._lock:
            pages = dict(self._pages)
            if page is None:
                pages.pop(key, None)
            else:
                pages[key] = page
            self._pages = pages

    @property
    def pages(self) -> dict[str, Page]:
        """A snapshot of the served mapping (decoded keys)."""
        with self._lock:
            return dict(self._pages)

    # -- test hooks ------------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of the request log, oldest first."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def requested_keys(self, method: str | None = None) -> list[str]:
        """Decoded paths requested so far (optionally of one method), in order."""
        return [r.key for r in self.requests if method is None or r.method == method]

    def add_fault(self, path: str, *statuses: int) -> None:
        """Answer the next requests for ``path`` with ``statuses``, then serve normally."""
        with self._lock:
            self.faults.setdefault(path, []).extend(statuses)

    # -- internals used by the handler -----------------------------------------------------

    def _candidates(self, target: str, key: str, query: str) -> list[str]:
        raw_path = target.split("?", 1)[0]
        with_query = f"{key}?{query}" if query else key
        return [target, with_query, raw_path, key]

    def _pause(self, target: str, key: str) -> None:
        if self.stall:
            time.sleep(self.stall)
        with self._lock:
            if not self.delays:
                return
            delay = next(
                (self.delays[c] for c in self._candidates(target, key, "") if c in self.delays),
                0.0,
            )
        if delay:
            time.sleep(delay)

    def _resolve(
        self, target: str, key: str, query: str
    ) -> tuple[int, Page | None, dict[str, str]]:
        with self._lock:
            if self.outage is not None:
                return self.outage, None, {}
            for candidate in self._candidates(target, key, query):
                statuses = self.faults.get(candidate)
                if statuses:
                    status = statuses.pop(0)
                    return status, None, {}
            location = self.redirects.get(key)
            if location is not None:
                return 302, None, {"Location": location}
            page = self._pages.get(key)
            if page is not None:
                return 200, page, {}
            if not key.endswith("/") and key + "/" in self._pages:
                location = _quote_path(key + "/") + ("?" + query if query else "")
                return 301, None, {"Location": location}
        return 404, None, {}

    def _log(self, handler: BaseHTTPRequestHandler, key: str, status: int) -> None:
        headers = {h: v for h in _LOGGED_HEADERS if (v := handler.headers.get(h)) is not None}
        # Show raw UTF-8 targets as text rather than as latin-1 mojibake.
        target = handler.path.encode("latin-1", errors="replace").decode("utf-8", "replace")
        record = RequestRecord(handler.command, target, key, status, headers, time.time())
        with self._lock:
            self._requests.append(record)

    def _track(self, conn: Any, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)
