"""Canonical addresses of the source site's pages.

One article has many addresses (AMP copy, missing trailing slash, tracking queries, http or https,
raw or percent-encoded non-ASCII slug, the live host or the loopback copy serving it). Everything
that deduplicates compares :func:`article_key`; what is stored is :func:`canonical_url`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import safe_url_string

SITE_URL = "https://www.ichongqing.info"
# The source whose articles are keyed by path alone (its copies are served from any host).
ICHONGQING_SOURCE = "ichongqing"
# Hosts that are the source site whatever address it is fetched from.
SITE_HOSTS = frozenset({"www.ichongqing.info", "ichongqing.info"})

_ARTICLE_PATH = re.compile(r"^/(\d{4})/(\d{2})/(\d{2})/([^/]+)/(?:amp/?)?$")
_PCT = re.compile(r"%[0-9a-fA-F]{2}")


def _normalise_path(path: str) -> str:
    # safe_url_string percent-encodes non-ASCII as UTF-8 and leaves valid escapes alone;
    # upper-case hex makes '%e4' and '%E4' the same key.
    encoded = urlsplit(safe_url_string("http://x" + (path or "/"))).path
    return _PCT.sub(lambda m: m.group(0).upper(), encoded)


def article_path(url: str) -> str | None:
    """``/YYYY/MM/DD/<slug>/`` of an article address (AMP or not), or None for other pages."""
    path = _normalise_path(urlsplit(url.strip()).path)
    if not path.endswith("/"):
        path += "/"
    match = _ARTICLE_PATH.match(path)
    if not match:
        return None
    year, month, day, slug = match.groups()
    if slug == "page" or slug == "amp":
        return None
    return f"/{year}/{month}/{day}/{slug}/"


def article_key(url: str) -> str | None:
    """The deduplication key of an article: its canonical path (hosts and schemes vary)."""
    return article_path(url)


def source_article_key(url: str) -> str | None:
    """The key of another source's article: host (and port) with the encoded path.

    Paths repeat across sites (``/2024/05/03/story/``), so the host is part of the key; the
    scheme, query and fragment are not (one article has those in many forms).
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https", "") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    path = _normalise_path(parts.path)
    if path.endswith("/amp/"):
        path = path.removesuffix("amp/")
    return f"{netloc}{path}"


def key_for(source: str, url: str) -> str | None:
    """The deduplication key of ``url`` as an article of ``source``."""
    return article_key(url) if source == ICHONGQING_SOURCE else source_article_key(url)


def article_date(url: str) -> date | None:
    """The publication date (China Standard Time) that the article's address carries."""
    path = article_path(url)
    if path is None:
        return None
    year, month, day = (int(part) for part in path.split("/")[1:4])
    try:
        return date(year, month, day)
    except ValueError:
        return None


def canonical_url(url: str) -> str:
    """The stored address: no query, no fragment, no ``/amp/``, trailing slash, encoded path."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    scheme = "https" if host in SITE_HOSTS else (parts.scheme or "https").lower()
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    if host in SITE_HOSTS:
        netloc = "www.ichongqing.info"
    path = article_path(url) or _normalise_path(parts.path)
    return urlunsplit((scheme, netloc, path, "", ""))


@dataclass(frozen=True)
class SourceSite:
    """Where the site is fetched from, and which hosts count as the site."""

    base_url: str

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"CQMONITOR_SOURCE_URL must be an http(s) URL, got {self.base_url!r}")

    @property
    def netloc(self) -> str:
        return urlsplit(self.base_url).netloc.lower()

    @property
    def root(self) -> str:
        parts = urlsplit(self.base_url)
        return urlunsplit((parts.scheme, parts.netloc, "", "", ""))

    def is_site(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme and parts.scheme not in ("http", "https"):
            return False
        host = (parts.hostname or "").lower()
        return not host or host in SITE_HOSTS or parts.netloc.lower() == self.netloc

    def fetch_url(self, url: str, *, keep_query: bool = False) -> str | None:
        """The address to request for a link of the site, or None when the link is off-site.

        Links name the live host even when the copy is served elsewhere (a loopback server):
        they are mapped onto the source URL.
        """
        if not self.is_site(url):
            return None
        parts = urlsplit(url.strip())
        root = urlsplit(self.root)
        query = parts.query if keep_query else ""
        path = _normalise_path(parts.path)
        return urlunsplit((root.scheme, root.netloc, path, query, ""))

    def article_fetch_url(self, url: str) -> str | None:
        """The address to request for an article link: canonical path on the source host."""
        path = article_path(url)
        if path is None or not self.is_site(url):
            return None
        root = urlsplit(self.root)
        return urlunsplit((root.scheme, root.netloc, path, "", ""))

    def url(self, path: str) -> str:
        return self.root + path
