"""Loopback sites of other shapes than iChongqing's, for the sources tests and benchmark.

- :func:`benchmark_site`: real pages of other publishers (``../shared/extraction-benchmark``,
  never copied into the project), each at ``/story/<id>/``, listed by a sitemap this module
  writes and named by the site's robots.txt, next to pages that are no articles.
- :func:`feed_site`: articles written here, listed only by an RSS feed (no sitemap at all).
- :func:`sources_file`: the ``CQMONITOR_SOURCES`` file naming such sites.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import yaml

from crawlers.sitecopy.records import HTML, RSS, TEXT, XML, Page

MODIFIED = datetime(2025, 3, 6, tzinfo=UTC)


@dataclass(frozen=True)
class Story:
    """An article written for a test site."""

    slug: str
    title: str
    published: str  # ISO 8601 with offset
    paragraphs: tuple[str, ...]
    author: str = "Staff Reporter"


def story_html(story: Story, base: str) -> bytes:
    """A plain article page: JSON-LD, a title, a byline, paragraphs; no iChongqing markup."""
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.title,
        "datePublished": story.published,
        "author": {"@type": "Person", "name": story.author},
    }
    body = "\n".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(story.title)} | Feed Only News</title>
<link rel="canonical" href="{base}/posts/{story.slug}.html">
<script type="application/ld+json">{json.dumps(ld)}</script>
</head><body>
<nav><a href="/">Home</a> <a href="/about.html">About</a></nav>
<main><article><h1>{escape(story.title)}</h1>
<p class="byline">By {escape(story.author)}</p>
{body}
</article></main>
<footer>Feed Only News, all rights reserved.</footer>
</body></html>""".encode()


def feed_site(stories: list[Story]):  # noqa: ANN201 - a callable for SiteServer
    """Pages of a site listed only by ``/rss.xml`` (given the server's base URL)."""

    def pages(base: str) -> dict[str, Page]:
        site: dict[str, Page] = {}
        items = []
        for story in stories:
            site[f"/posts/{story.slug}.html"] = Page(story_html(story, base), HTML, MODIFIED)
            when = format_datetime(datetime.fromisoformat(story.published))
            items.append(
                f"<item><title>{escape(story.title)}</title>"
                f"<link>{base}/posts/{story.slug}.html?utm_source=rss</link>"
                f"<pubDate>{when}</pubDate></item>"
            )
        rss = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Feed Only News</title><link>{base}/</link>{''.join(items)}</channel></rss>"
        )
        site["/rss.xml"] = Page(rss.encode(), RSS, MODIFIED)
        site["/about.html"] = Page(b"<html><body><p>About us.</p></body></html>", HTML, MODIFIED)
        return site

    return pages


def benchmark_pages(html_dir: Path, count: int) -> dict[str, bytes]:
    """``count`` real pages (id -> HTML), the first ones in name order."""
    files = sorted(html_dir.glob("*.html.gz"))[:count]
    return {f.name[:12]: gzip.decompress(f.read_bytes()) for f in files}


def benchmark_site(pages: dict[str, bytes]):  # noqa: ANN201 - a callable for SiteServer
    """The real pages at ``/story/<id>/``, a sitemap listing them and two pages that are no
    articles, and a robots.txt naming the sitemap (given the server's base URL)."""

    def build(base: str) -> dict[str, Page]:
        site = {f"/story/{key}/": Page(html, HTML, MODIFIED) for key, html in pages.items()}
        site["/about/"] = Page(b"<html><body><p>About.</p></body></html>", HTML, MODIFIED)
        site["/"] = Page(b"<html><body><a href='/about/'>About</a></body></html>", HTML, MODIFIED)
        urls = "".join(
            f"<url><loc>{base}{path}</loc><lastmod>2025-03-05T08:00:00+00:00</lastmod></url>"
            for path in sorted(site)
        )
        sitemap = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
        )
        site["/news-sitemap.xml"] = Page(sitemap.encode(), XML, MODIFIED)
        robots = f"User-agent: *\nAllow: /\nSitemap: {base}/news-sitemap.xml\n"
        site["/robots.txt"] = Page(robots.encode(), TEXT, MODIFIED)
        return site

    return build


def sources_file(path: Path, sources: list[dict[str, object]]) -> Path:
    path.write_text(yaml.safe_dump({"sources": sources}, sort_keys=False), encoding="utf-8")
    return path
