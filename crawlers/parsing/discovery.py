"""Where article links are found: date archives and listings, the sitemaps, the RSS feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bs4 import BeautifulSoup
from lxml import etree

from pipelines.core.instants import parse_instant
from pipelines.core.text import normalise_space


@dataclass(frozen=True)
class Listed:
    """A link to an article found on a listing, in the feed or in a sitemap."""

    url: str
    lastmod: datetime | None = None
    title: str | None = None


def parse_listing(html: str | bytes) -> tuple[list[Listed], str | None]:
    """Article links of a date archive or category listing, and the next page's link."""
    soup = BeautifulSoup(html, "lxml")
    seen: dict[str, Listed] = {}
    for link in soup.select(
        ".news-list .news-title a[href], .news-list a.thumb[href], "
        "article h2 a[href], .news-item a[href]"
    ):
        href = str(link["href"])
        title = normalise_space(link.get_text(" ")) or None
        if href not in seen or (title and not seen[href].title):
            seen[href] = Listed(href, None, title)
    nxt = soup.select_one("a.next[href], .pagination a[rel=next][href], link[rel=next][href]")
    return list(seen.values()), (str(nxt["href"]) if nxt else None)


def _xml_root(data: bytes) -> etree._Element | None:
    # Entities are never expanded and nothing is fetched: a sitemap is untrusted input.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, recover=True
    )
    try:
        root = etree.fromstring(data.strip(), parser=parser)
    except etree.XMLSyntaxError:
        return None
    if root is not None and root.getroottree().docinfo.internalDTD is not None:
        # Feeds and sitemaps declare no entities; a document that does is an XML bomb (or
        # worse), and its unexpanded entities would silently empty the fields they stand in.
        return None
    return root


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_sitemap(data: bytes) -> tuple[str, list[Listed]]:
    """``("index", sitemaps)`` or ``("urlset", urls)`` with lastmod; ``("", [])`` if broken."""
    root = _xml_root(data)
    if root is None:
        return "", []
    kind = _local(root.tag).lower()
    entries: list[Listed] = []
    for node in root:
        if _local(node.tag) not in ("sitemap", "url"):
            continue
        loc = lastmod = None
        for child in node:
            name = _local(child.tag)
            if name == "loc" and child.text:
                loc = child.text.strip()
            elif name == "lastmod" and child.text:
                lastmod = parse_instant(child.text.strip())
        if loc:
            entries.append(Listed(loc, lastmod))
    return ("index" if kind == "sitemapindex" else "urlset" if kind == "urlset" else kind), entries


def parse_feed(data: bytes) -> list[Listed]:
    """Items of the RSS feed: link (tracking query and all), pubDate, title."""
    root = _xml_root(data)
    if root is None:
        return []
    items = []
    for item in root.iter("item"):
        link = item.findtext("link")
        if not link:
            continue
        pub = item.findtext("pubDate")
        items.append(
            Listed(
                link.strip(),
                parse_instant(pub) if pub else None,
                normalise_space(item.findtext("title") or "") or None,
            )
        )
    return items
