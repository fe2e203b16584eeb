"""The ``source`` spider: any configured source without readers of its own (``pipelines.sources``).

It only routes. Discovery: the feeds and sitemaps the source names, else the feeds its home page
announces, the sitemaps its robots.txt names and ``/sitemap.xml``; the home page's own links
that look like articles too. An article is a link on the source's host that matches its
``article_pattern`` (without one: any page a feed or sitemap lists). Parsing is the generic chain
(``crawlers.parsing.generic_article``). Stored articles whose ``lastmod`` did not move are not
fetched again; those that moved are fetched with a conditional request.

Arguments (``-a name=value``): ``source_name``, ``source_url``, ``feeds`` / ``sitemaps`` (JSON
lists of paths or URLs), ``article_pattern``, ``timezone``, ``state``, ``since`` / ``until``
(dates, inclusive: an article listed with an older ``lastmod`` than ``since`` is skipped),
``mode`` (``backfill`` or ``incremental``).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers.failures import read_failure
from crawlers.parsing import Listed, page_to_item, parse_feed, parse_sitemap
from crawlers.parsing.generic_article import parse_generic_article
from crawlers.parsing.site_links import feed_links, page_links, robots_sitemaps
from crawlers.pipelines import field_stats
from pipelines.core import stats as keys
from pipelines.core.instants import CST, parse_instant
from pipelines.core.items import CrawlItem, FailureItem, SeenItem, SourceItem, UnchangedItem
from pipelines.core.urls import canonical_url, source_article_key

ARTICLE_STATUSES = [304, 404, 410]


def _header(response: Response, name: str) -> str | None:
    return (response.headers.get(name) or b"").decode("latin-1") or None


def _links(value: str | None, name: str) -> list[str]:
    if not value:
        return []
    links = json.loads(value)
    if not isinstance(links, list) or not all(isinstance(v, str) for v in links):
        raise ValueError(f"-a {name}={value!r}: expected a JSON list of strings")
    return links


class SourceSpider(Spider):
    name = "source"

    def __init__(
        self,
        source_name: str = "",
        source_url: str = "",
        feeds: str | None = None,
        sitemaps: str | None = None,
        article_pattern: str | None = None,
        timezone: str = "Asia/Shanghai",
        state: str | None = None,
        since: str | None = None,
        until: str | None = None,
        mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        parts = urlsplit(source_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"-a source_url={source_url!r}: expected an http(s) URL")
        self.source_name = source_name or parts.hostname
        self.root = f"{parts.scheme}://{parts.netloc}"
        self.base_url = source_url.rstrip("/") + "/"
        self.netloc = parts.netloc.lower()
        self.allowed_domains = [parts.hostname]
        self.feeds = [urljoin(self.root, f) for f in _links(feeds, "feeds")]
        self.sitemaps = [urljoin(self.root, s) for s in _links(sitemaps, "sitemaps")]
        self.pattern = re.compile(article_pattern) if article_pattern else None
        self.timezone = timezone
        self.state_path = state
        self.since = date.fromisoformat(since) if since else None
        self.until = date.fromisoformat(until) if until else None
        self.backfill = mode == "backfill"
        self.stored: dict[str, dict[str, Any]] = {}
        self.documents: dict[str, dict[str, Any]] = {}
        self.retry_urls: list[str] = []
        self.failed_attempts: dict[str, int] = {}
        self.scheduled: set[str] = set()
        self.max_failure_attempts = 5

    # ----------------------------------------------------------------- helpers

    def _load_state(self) -> None:
        if not self.state_path:
            return
        data = json.loads(Path(self.state_path).read_text(encoding="utf-8"))
        self.stored = data.get("articles", {})
        self.documents = data.get("sources", {})
        self.retry_urls = data.get("retry", [])
        self.failed_attempts = data.get("failed", {})

    def _inc(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)

    def _on_site(self, url: str) -> bool:
        return urlsplit(url).netloc.lower() == self.netloc

    def is_article(self, url: str, listed: bool) -> bool:
        """On the source's host, and matching its pattern (without one: listed by a feed or a
        sitemap, which list articles; a page's links are not trusted that far)."""
        if not self._on_site(url) or urlsplit(url).path in ("", "/"):
            return False
        if self.pattern is not None:
            return self.pattern.search(url) is not None
        return listed

    def _older_than_window(self, lastmod: datetime | None) -> bool:
        if lastmod is None or self.since is None:
            return False
        return lastmod < datetime.combine(self.since, time(0, 0), CST)

    @staticmethod
    def _conditional(known: dict[str, Any] | None) -> dict[str, str]:
        headers: dict[str, str] = {}
        if known and known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known and known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]
        return headers

    def _article_request(self, listed: Listed, via: str, *, from_list: bool) -> Request | None:
        if not self.is_article(listed.url, from_list):
            self._inc(keys.NOT_ARTICLE)
            return None
        key = source_article_key(listed.url)
        if key is None or key in self.scheduled:
            return None
        known = self.stored.get(key)
        if known is None and self.failed_attempts.get(key, 0) >= self.max_failure_attempts:
            self._inc(keys.ARTICLES_SKIPPED_FAILED)
            return None
        if known is not None:
            stored = parse_instant(known.get("lastmod"))
            if listed.lastmod is None or (stored and listed.lastmod <= stored):
                self._inc(keys.ARTICLES_SKIPPED_UNCHANGED)
                return None
            self._inc(keys.ARTICLES_REFETCH_EDITED)
        elif self._older_than_window(listed.lastmod):
            self._inc(keys.ARTICLES_SKIPPED_OUTSIDE_WINDOW)
            return None
        self.scheduled.add(key)
        self._inc(keys.scheduled(via))
        url = listed.url.split("#", 1)[0]
        return Request(
            url,
            callback=self.parse_article,
            errback=self.on_error,
            headers=self._conditional(known),
            cb_kwargs={"key": key, "lastmod": listed.lastmod, "via": via},
            meta={"handle_httpstatus_list": ARTICLE_STATUSES},
        )

    def _document(self, url: str, callback: Any, **cb_kwargs: Any) -> Request:
        known = self.documents.get(url) if not self.backfill else None
        return Request(
            url,
            callback=callback,
            errback=self.on_error,
            headers=self._conditional(known),
            cb_kwargs=cb_kwargs,
            meta={"handle_httpstatus_list": [304, 404]},
            dont_filter=True,
        )

    def _source_item(self, response: Response) -> SourceItem:
        return SourceItem(
            url=response.url,
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
        )

    # ----------------------------------------------------------------- routing

    async def start(self) -> AsyncIterator[Any]:
        self._load_state()
        for url in self.feeds:
            yield self._document(url, self.parse_feed)
        for url in self.sitemaps:
            yield self._document(url, self.parse_sitemap)
        if not self.feeds and not self.sitemaps:
            # Nothing named: what the site announces.
            yield self._document(self.base_url, self.parse_home)
            yield self._document(urljoin(self.root, "/robots.txt"), self.parse_robots)
        for url in self.retry_urls:
            if self._on_site(url):
                self._inc(keys.ARTICLES_RETRY_FAILED)
                request = self._article_request(Listed(url), "retry", from_list=True)
                if request is not None:
                    yield request

    def parse_home(self, response: Response) -> Iterator[Any]:
        if response.status >= 300:
            return
        for url in feed_links(response.body, response.url):
            if self._on_site(url):
                yield self._document(url, self.parse_feed)
        for url in page_links(response.body, response.url):
            request = self._article_request(Listed(url), "home", from_list=False)
            if request is not None:
                yield request

    def parse_robots(self, response: Response) -> Iterator[Any]:
        found = []
        if response.status == 200:
            found = robots_sitemaps(response.text, self.root)
        for url in found or [urljoin(self.root, "/sitemap.xml")]:
            if self._on_site(url):
                yield self._document(url, self.parse_sitemap)

    def parse_feed(self, response: Response) -> Iterator[Any]:
        if response.status == 304:
            self._inc(keys.FEED_NOT_MODIFIED)
            return
        if response.status >= 400:
            return
        entries = parse_feed(response.body)
        self._inc(keys.FEED_ENTRIES, len(entries))
        if not entries:
            self._inc(keys.FEED_EMPTY)
        for entry in entries:
            request = self._article_request(entry, "feed", from_list=True)
            if request is not None:
                yield request
        yield self._source_item(response)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        if response.status == 304:
            self._inc(keys.SITEMAP_NOT_MODIFIED)
            return
        if response.status >= 400:
            return
        kind, entries = parse_sitemap(response.body)
        if not kind:
            self._inc(keys.SITEMAP_UNPARSEABLE)
            yield FailureItem(url=response.url, reason="sitemap is not XML", status=response.status)
            return
        if kind == "index":
            for entry in entries:
                if self._on_site(entry.url):
                    yield self._document(entry.url, self.parse_sitemap)
            yield self._source_item(response)
            return
        self._inc(keys.SITEMAP_URLS, len(entries))
        lastmods: dict[str, str | None] = {}
        for entry in entries:
            request = self._article_request(entry, "sitemap", from_list=True)
            key = source_article_key(entry.url)
            if key is not None and self.is_article(entry.url, True):
                lastmods[key] = entry.lastmod.isoformat() if entry.lastmod else None
            if request is not None:
                yield request
        if lastmods:
            yield SeenItem(lastmods=lastmods)
        yield self._source_item(response)

    def parse_article(
        self, response: Response, key: str, lastmod: datetime | None, via: str
    ) -> Iterator[CrawlItem]:
        stamp = lastmod.isoformat() if lastmod else None
        if response.status == 304:
            self._inc(keys.ARTICLES_NOT_MODIFIED)
            yield UnchangedItem(key=key, url=response.url, sitemap_lastmod=stamp)
            return
        if response.status >= 400:
            self._inc(keys.failed_http(response.status))
            yield FailureItem(
                url=response.url, key=key, reason=f"HTTP {response.status}", status=response.status
            )
            return
        page = parse_generic_article(response.body, response.url, timezone=self.timezone)
        item = page_to_item(
            page,
            key=key,
            fetched_url=response.url,
            via=via,
            sitemap_lastmod=stamp,
            etag=_header(response, "ETag"),
            http_last_modified=_header(response, "Last-Modified"),
        )
        if page.problems:
            # Counted here: the item pipeline counts the fields of the items it sees only.
            for stat in field_stats(item):
                self._inc(stat)
            self._inc(keys.ARTICLES_UNPARSEABLE)
            for problem in page.problems:
                self._inc(keys.dropped(problem))
            yield FailureItem(
                url=response.url,
                key=key,
                reason=f"unparseable page: {', '.join(page.problems)}",
                status=response.status,
            )
            return
        if source_article_key(item.url) != key:
            # A canonical link naming another article: trust the address fetched.
            self._inc(keys.ARTICLES_CANONICAL_MISMATCH)
            item.url = canonical_url(response.url)
        self._inc(keys.ARTICLES_SCRAPED)
        yield item

    def on_error(self, failure: Failure) -> Iterator[CrawlItem]:
        request = failure.request  # type: ignore[attr-defined]
        failed = read_failure(failure)
        for key in failed.counted:
            self._inc(key)
        status, reason = failed.status, failed.reason
        self.logger.warning("failed %s: %s", request.url, reason)
        yield FailureItem(
            url=request.url, key=request.cb_kwargs.get("key"), reason=reason, status=status
        )
