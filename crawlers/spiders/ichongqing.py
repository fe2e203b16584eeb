"""The ``ichongqing`` spider: discovers articles and turns their pages into items.

It only routes. Discovery uses each source for what it is good at: the feed for the newest
posts, the sitemaps (with ``lastmod``) for completeness and edits, the date archives for a short
backfill window, the category listings when the sitemaps cannot be used. An article already
stored and unchanged is never downloaded again; one whose
``lastmod`` moved is fetched with a conditional request. Parsing lives in ``crawlers.parsing``.

Arguments (``-a name=value``): ``source_url``, ``since`` / ``until`` (CST dates, inclusive; a
``since`` makes the run a backfill of that window), ``changed_since`` (ISO instant: in an
incremental run, an unknown article whose ``lastmod`` is newer is fetched whatever its date),
``state`` (JSON file of what is stored, written by the pipeline before the crawl), ``mode``
(``backfill``: the window is what the user asked for, every sitemap is read; ``incremental``:
unchanged sitemaps and feed are skipped through their lastmod and validators), ``sources``
(``feed``: the feed only, for the instant alerts' poll).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers.failures import read_failure
from crawlers.parsing import (
    Listed,
    page_to_item,
    parse_article,
    parse_feed,
    parse_listing,
    parse_sitemap,
)
from crawlers.pipelines import field_stats
from crawlers.stored import MappingStored, StoredArticles, stored_from_state
from pipelines.core import stats as keys
from pipelines.core.instants import CST, parse_instant
from pipelines.core.items import CrawlItem, FailureItem, SeenItem, SourceItem, UnchangedItem
from pipelines.core.urls import SITE_URL, SourceSite, article_date, article_key

ARTICLE_STATUSES = [304, 404, 410]


def _header(response: Response, name: str) -> str | None:
    return (response.headers.get(name) or b"").decode("latin-1") or None


def _date_arg(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"-a {name}={value!r} is not a date (YYYY-MM-DD)") from exc


class IchongqingSpider(Spider):
    name = "ichongqing"

    def __init__(
        self,
        source_url: str = SITE_URL,
        since: str | None = None,
        until: str | None = None,
        changed_since: str | None = None,
        state: str | None = None,
        mode: str | None = None,
        sources: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.site = SourceSite(source_url)
        self.since = _date_arg(since, "since")
        self.until = _date_arg(until, "until")
        if self.since and self.until and self.until < self.since:
            raise ValueError(f"until {self.until} is before since {self.since}")
        if mode not in (None, "backfill", "incremental"):
            raise ValueError(f"-a mode={mode!r}: expected backfill or incremental")
        self.backfill = mode == "backfill" if mode else self.since is not None
        if sources not in (None, "all", "feed"):
            raise ValueError(f"-a sources={sources!r}: expected all or feed")
        # "feed": the instant alerts' poll, one conditional request when nothing is new.
        self.feed_only = sources == "feed"
        if self.since is None:
            # Incremental with no state: the last 7 days.
            self.since = (datetime.now(CST) - timedelta(days=7)).date()
        self.changed_since = parse_instant(changed_since) if changed_since else None
        self.state_path = state
        # Hosts only (Scrapy ignores ports here); crawlers.middlewares.SameOriginMiddleware
        # keeps every request, redirects included, on the source's scheme, host and port.
        self.allowed_domains = [self.site.netloc.split(":")[0]]
        self.stored: StoredArticles = MappingStored({})
        self.sources: dict[str, dict[str, Any]] = {}
        self.retry_urls: list[str] = []
        self.failed_attempts: dict[str, int] = {}
        self.scheduled: set[str] = set()
        self.fallback_started = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> IchongqingSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.archive_max_days = crawler.settings.getint("CRAWL_ARCHIVE_MAX_DAYS", 31)
        spider.max_failure_attempts = crawler.settings.getint("CRAWL_MAX_FAILURE_ATTEMPTS", 5)
        spider.fallback_paths = crawler.settings.getlist(
            "CRAWL_FALLBACK_LISTINGS", ["/latest/", "/category/news/"]
        )
        return spider

    # ----------------------------------------------------------------- helpers

    def _load_state(self) -> None:
        if not self.state_path:
            return
        data = json.loads(Path(self.state_path).read_text(encoding="utf-8"))
        self.stored = stored_from_state(data)
        self.sources = data.get("sources", {})
        self.retry_urls = data.get("retry", [])
        self.failed_attempts = data.get("failed", {})

    def _prefetch(self, urls: Iterable[str]) -> None:
        """Look up the stored articles a page lists, in one batch, before they are compared."""
        self.stored.prefetch(key for url in urls if (key := article_key(url)) is not None)

    def closed(self, reason: str) -> None:
        self.stored.close()

    def _inc(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)

    def _in_window(self, day: date | None) -> bool:
        if day is None:
            return False
        if self.since and day < self.since:
            return False
        return not (self.until and day > self.until)

    def _conditional(self, url: str, known: dict[str, Any] | None) -> dict[str, str]:
        headers: dict[str, str] = {}
        if known and known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known and known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]
        return headers

    def _article_request(self, listed: Listed, via: str) -> Request | None:
        """A request for a discovered article link, or None when it needs no download."""
        key = article_key(listed.url)
        fetch_url = self.site.article_fetch_url(listed.url)
        if key is None or fetch_url is None:
            self._inc(keys.NOT_ARTICLE)
            return None
        if key in self.scheduled:
            return None
        known = self.stored.get(key)
        if known is None and self.failed_attempts.get(key, 0) >= self.max_failure_attempts:
            # Failed too often: left for an operator (crawl_failures), not hammered forever.
            self._inc(keys.ARTICLES_SKIPPED_FAILED)
            return None
        if known is not None and self.backfill and not self._in_window(article_date(listed.url)):
            # A backfill stores its own days only: an edit elsewhere waits for a run of its days.
            self._inc(keys.ARTICLES_SKIPPED_OUTSIDE_WINDOW)
            return None
        if known is not None:
            stored_lastmod = parse_instant(known.get("lastmod"))
            if listed.lastmod is None or (stored_lastmod and listed.lastmod <= stored_lastmod):
                self._inc(keys.ARTICLES_SKIPPED_UNCHANGED)
                return None
            self._inc(keys.ARTICLES_REFETCH_EDITED)
        elif not self._in_window(article_date(listed.url)):
            fresh = (
                not self.backfill
                and self.changed_since is not None
                and listed.lastmod is not None
                and listed.lastmod >= self.changed_since
            )
            if not fresh:
                self._inc(keys.ARTICLES_SKIPPED_OUTSIDE_WINDOW)
                return None
        self.scheduled.add(key)
        self._inc(keys.scheduled(via))
        return Request(
            fetch_url,
            callback=self.parse_article,
            errback=self.on_error,
            headers=self._conditional(fetch_url, known),
            cb_kwargs={"key": key, "lastmod": listed.lastmod, "via": via},
            meta={"handle_httpstatus_list": ARTICLE_STATUSES},
        )

    def _source_request(self, path_or_url: str, callback: Any, **cb_kwargs: Any) -> Request | None:
        url = self.site.fetch_url(
            path_or_url if "://" in path_or_url else self.site.url(path_or_url)
        )
        if url is None:
            return None
        known = self.sources.get(url) if not self.backfill else None
        return Request(
            url,
            callback=callback,
            errback=self.on_error,
            headers=self._conditional(url, known),
            cb_kwargs=cb_kwargs,
            meta={"handle_httpstatus_list": [304]},
        )

    def _source_item(self, response: Response, lastmod: datetime | None = None) -> SourceItem:
        return SourceItem(
            url=response.url,
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
            lastmod=lastmod.isoformat() if lastmod else None,
        )

    # ----------------------------------------------------------------- routing

    async def start(self) -> AsyncIterator[Any]:
        self._load_state()
        feed = self._source_request("/feed/", self.parse_feed)
        if feed is not None:
            yield feed
        if self.feed_only:
            return
        sitemaps = self._source_request("/sitemap_index.xml", self.parse_sitemap, lastmod=None)
        if sitemaps is not None:
            yield sitemaps
        if self.backfill and self.since:
            last = self.until or datetime.now(CST).date()
            days = (last - self.since).days + 1
            if 0 < days <= self.archive_max_days:
                for offset in range(days):
                    day = self.since + timedelta(days=offset)
                    request = self._source_request(
                        f"/{day:%Y/%m/%d}/", self.parse_listing, listing=f"{day:%Y-%m-%d}"
                    )
                    if request is not None:
                        # A day without posts has no archive page (404): an empty day, handed
                        # to parse_listing, not a failure recorded and retried.
                        request.meta["handle_httpstatus_list"] = [304, 404]
                        yield request
            else:
                self._inc(keys.ARCHIVES_SKIPPED)
        self._prefetch(self.retry_urls)
        for url in self.retry_urls:
            key = article_key(url)
            if key is None:
                continue
            self._inc(keys.ARTICLES_RETRY_FAILED)
            request = self._article_request(Listed(url, datetime.now(UTC)), "retry")
            if request is not None:
                yield request

    def parse_feed(self, response: Response) -> Iterator[Any]:
        if response.status == 304:
            self._inc(keys.FEED_NOT_MODIFIED)
            return
        entries = parse_feed(response.body)
        self._inc(keys.FEED_ENTRIES, len(entries))
        if not entries:
            self._inc(keys.FEED_EMPTY)
        self._prefetch(entry.url for entry in entries)
        for entry in entries:
            # The feed has no edit times: a stored article found there is known already.
            request = self._article_request(Listed(entry.url, None, entry.title), "feed")
            if request is not None:
                yield request
        yield self._source_item(response)

    def parse_sitemap(self, response: Response, lastmod: datetime | None) -> Iterator[Any]:
        if response.status == 304:
            self._inc(keys.SITEMAP_NOT_MODIFIED)
            return
        kind, entries = parse_sitemap(response.body)
        if not kind:
            self._inc(keys.SITEMAP_UNPARSEABLE)
            if lastmod is None:
                yield from self._fallback_listings("the sitemap index is not XML")
            yield FailureItem(
                url=response.url,
                reason="sitemap refused: not XML, or it declares entities (an XML bomb?)",
                status=response.status,
            )
            return
        if kind == "index":
            for entry in entries:
                child = self.site.fetch_url(entry.url)
                if child is None:
                    continue
                known = self.sources.get(child)
                stored = parse_instant(known.get("lastmod")) if known else None
                if not self.backfill and entry.lastmod and stored and entry.lastmod <= stored:
                    self._inc(keys.SITEMAP_SKIPPED_UNCHANGED)
                    continue
                request = self._source_request(child, self.parse_sitemap, lastmod=entry.lastmod)
                if request is not None:
                    yield request
            yield self._source_item(response)
            return
        self._inc(keys.SITEMAP_URLS, len(entries))
        self._prefetch(entry.url for entry in entries)
        # Every listed article's lastmod is recorded, also for articles first found in the
        # feed (which has none), so that the next run can tell they are unchanged.
        lastmods: dict[str, str | None] = {}
        for entry in entries:
            key = article_key(entry.url)
            if key is None:
                continue
            lastmods[key] = entry.lastmod.isoformat() if entry.lastmod else None
            request = self._article_request(entry, "sitemap")
            if request is not None:
                yield request
        if lastmods:
            yield SeenItem(lastmods=lastmods)
        yield self._source_item(response, lastmod)

    def parse_listing(
        self, response: Response, listing: str, walk_back: bool = False
    ) -> Iterator[Any]:
        """A date archive page, or (``walk_back``) a newest-first category listing page."""
        if response.status == 304:
            return
        if response.status == 404:
            self._inc(keys.ARCHIVES_EMPTY)
            return
        links, next_url = parse_listing(response.body)
        self._inc(keys.LISTING_PAGES)
        self._inc(keys.LISTING_LINKS, len(links))
        self._prefetch(link.url for link in links)
        for link in links:
            request = self._article_request(link, "category" if walk_back else "archive")
            if request is not None:
                yield request
        if walk_back:
            # A listing is newest first: once a whole page is older than the window, stop.
            days = [d for d in (article_date(link.url) for link in links) if d is not None]
            if not days or (self.since is not None and max(days) < self.since):
                return
        if next_url:
            request = self._source_request(
                next_url, self.parse_listing, listing=listing, walk_back=walk_back
            )
            if request is not None:
                yield request

    def _fallback_listings(self, why: str) -> Iterator[Request]:
        """Without usable sitemaps, walk the newest-first listings back to the window's start."""
        if self.fallback_started:
            return
        self.fallback_started = True
        self._inc(keys.FALLBACK_LISTINGS)
        self.logger.warning("sitemaps unusable (%s): walking the category listings instead", why)
        for path in self.fallback_paths:
            request = self._source_request(path, self.parse_listing, listing=path, walk_back=True)
            if request is not None:
                yield request

    def parse_article(
        self, response: Response, key: str, lastmod: datetime | None, via: str
    ) -> Iterator[CrawlItem]:
        if response.status == 304:
            self._inc(keys.ARTICLES_NOT_MODIFIED)
            yield UnchangedItem(
                key=key, url=response.url, sitemap_lastmod=lastmod.isoformat() if lastmod else None
            )
            return
        if response.status >= 400:
            self._inc(keys.failed_http(response.status))
            yield FailureItem(
                url=response.url, key=key, reason=f"HTTP {response.status}", status=response.status
            )
            return
        page = parse_article(response.body, response.url)
        if page.problems and (
            page.published_at.value is None or not page.body.paragraphs or not page.title.value
        ):
            reason = ", ".join(page.problems)
            self._inc(keys.ARTICLES_UNPARSEABLE)
            for problem in page.problems:
                self._inc(keys.dropped(problem))
            # Coverage and paths count the fields of unreadable pages too: a markup change that
            # hides dates must show as low date coverage, not as fewer pages.
            for stat in field_stats(page_to_item(page)):
                self._inc(stat)
            yield FailureItem(
                url=response.url,
                key=key,
                reason=f"unparseable page: {reason}",
                status=response.status,
            )
            return
        url = page.url
        if article_key(url) != key:
            # A canonical link that names another article: trust the address we fetched.
            self._inc(keys.ARTICLES_CANONICAL_MISMATCH)
            url = self.site.article_fetch_url(response.url) or url
        item = page_to_item(
            page,
            key=key,
            fetched_url=response.url,
            via=via,
            sitemap_lastmod=lastmod.isoformat() if lastmod else None,
            etag=_header(response, "ETag"),
            http_last_modified=_header(response, "Last-Modified"),
        )
        item.url = url
        self._inc(keys.ARTICLES_SCRAPED)
        yield item

    def on_error(self, failure: Failure) -> Iterator[CrawlItem]:
        request = failure.request  # type: ignore[attr-defined]
        failed = read_failure(failure)
        for key in failed.counted:
            self._inc(key)
        status, reason = failed.status, failed.reason
        self.logger.warning("failed %s: %s", request.url, reason)
        if request.callback == self.parse_sitemap and request.cb_kwargs.get("lastmod") is None:
            yield from self._fallback_listings(f"the sitemap index failed: {reason}")
        yield FailureItem(
            url=request.url, key=request.cb_kwargs.get("key"), reason=reason, status=status
        )
