"""Where a source with no readers of its own lists its articles: feed links on its pages,
``Sitemap:`` lines of its robots.txt, and links that match its article pattern."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
_SITEMAP_LINE = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


def feed_links(html: str | bytes, base: str) -> list[str]:
    """The feeds a page announces (``<link rel="alternate" type="application/rss+xml">``)."""
    soup = BeautifulSoup(html, "lxml")
    found = [
        urljoin(base, str(link["href"]))
        for link in soup.select("link[rel~=alternate][href]")
        if str(link.get("type", "")).lower() in FEED_TYPES
    ]
    return list(dict.fromkeys(found))


def robots_sitemaps(text: str, base: str) -> list[str]:
    """The sitemaps a robots.txt names (RFC 9309 leaves ``Sitemap:`` to the sitemaps protocol)."""
    return list(dict.fromkeys(urljoin(base, m.group(1)) for m in _SITEMAP_LINE.finditer(text)))


def page_links(html: str | bytes, base: str) -> list[str]:
    """Every http(s) link of a page, absolute, without fragments, in page order."""
    soup = BeautifulSoup(html, "lxml")
    out: dict[str, None] = {}
    for link in soup.select("a[href]"):
        url = urljoin(base, str(link["href"])).split("#", 1)[0]
        if urlsplit(url).scheme in ("http", "https"):
            out[url] = None
    return list(out)
