"""The site's pages around the articles: listings (date archives, categories, tags, latest),
the RSS feed, Yoast sitemaps, robots.txt, plain pages and the ad pages a polite crawler never
asks for."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime

from .markup import Theme, cdata, esc, excerpt, iso, listing_main, xml_text
from .records import (
    HTML,
    STATIC_LASTMOD,
    Article,
    Page,
    article_url,
    encode_path,
    modified_at,
    published_at,
)


def listing_pages(
    theme: Theme,
    site: str,
    base: str,
    heading: str,
    items: Sequence[Article],
    per_page: int,
) -> dict[str, Page]:
    """All pages of one listing: ``base`` then ``base + 'page/N/'``, newest first."""
    ordered = sorted(items, key=lambda a: (published_at(a), a["post_id"]), reverse=True)
    total = max(1, math.ceil(len(ordered) / per_page))
    pages: dict[str, Page] = {}
    for n in range(1, total + 1):
        chunk = ordered[(n - 1) * per_page : n * per_page]
        path = base if n == 1 else f"{base}page/{n}/"
        page_url = site + encode_path(path)
        nav: list[str] = []
        if n > 1:
            prev = base if n == 2 else f"{base}page/{n - 1}/"
            nav.append(f'<a class="prev page-numbers" href="{site}{encode_path(prev)}">Prev</a>')
        for m in range(1, total + 1):
            if m == n:
                nav.append(f'<span aria-current="page" class="page-numbers current">{m}</span>')
            elif abs(m - n) <= 2 or m in (1, total):
                target = base if m == 1 else f"{base}page/{m}/"
                nav.append(f'<a class="page-numbers" href="{site}{encode_path(target)}">{m}</a>')
        if n < total:
            nav.append(
                f'<a class="next page-numbers" href="{site}{encode_path(f"{base}page/{n + 1}/")}">'
                "Next</a>"
            )
        teasers = "\n".join(theme.teaser(a, site) for a in chunk)
        main = listing_main(theme.listing, site, heading, teasers, "".join(nav), n)
        title = esc(heading) + (f" - Page {n}" if n > 1 else "") + theme.suffix
        head = f'<link rel="canonical" href="{page_url}">\n'
        body = theme.document(site, title, head, main, "archive")
        last = max((modified_at(a) for a in chunk), default=STATIC_LASTMOD)
        pages[path] = Page(body.encode(), HTML, last.astimezone(UTC))
    return pages


def render_feed(articles: Sequence[Article], site_url: str, feed_size: int = 20) -> str:
    """RSS 2.0 of the newest ``feed_size`` posts."""
    site = site_url.rstrip("/")
    newest = sorted(articles, key=lambda a: (published_at(a), a["post_id"]), reverse=True)
    newest = newest[:feed_size]
    items: list[str] = []
    for a in newest:
        creators = "".join(f"<dc:creator>{cdata(n)}</dc:creator>" for n in a.get("authors", []))
        cats = "".join(
            f"<category>{cdata(c)}</category>"
            for c in list(a.get("categories", [])) + list(a.get("tags", []))
        )
        summary = excerpt(a, 200)
        items.append(
            "<item>\n"
            f"<title>{xml_text(a['title'])}</title>\n"
            f"<link>{xml_text(article_url(a, site))}?utm_source=rss&amp;utm_medium=rss</link>\n"
            f"{creators or '<dc:creator><![CDATA[]]></dc:creator>'}\n"
            f"<pubDate>{format_datetime(published_at(a).astimezone(UTC))}</pubDate>\n"
            f"{cats}\n"
            f'<guid isPermaLink="false">{site}/?p={a["post_id"]}</guid>\n'
            f"<description>{cdata(summary + '&#8230;')}</description>\n"
            "</item>"
        )
    build = max((modified_at(a) for a in newest), default=STATIC_LASTMOD).astimezone(UTC)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n'
        "<channel>\n<title>iChongqing</title>\n"
        f'<atom:link href="{site}/feed/" rel="self" type="application/rss+xml" />\n'
        f"<link>{site}</link>\n<description>Chongqing&#039;s international portal</description>\n"
        f"<lastBuildDate>{format_datetime(build)}</lastBuildDate>\n<language>en-US</language>\n"
        + "\n".join(items)
        + "\n</channel>\n</rss>\n"
    )


def urlset(entries: Iterable[tuple[str, datetime]]) -> str:
    urls = "\n".join(
        f"<url><loc>{xml_text(loc)}</loc><lastmod>{iso(last)}</lastmod></url>"
        for loc, last in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}\n</urlset>\n"
    )


PLAIN_PAGES: dict[str, tuple[str, str]] = {
    "/about-us/": (
        "About Us",
        "iChongqing is the English-language portal of Chongqing, publishing news, business, "
        "culture and travel stories about the city for readers around the world.",
    ),
    "/contact-us/": (
        "Contact Us",
        "For news tips, partnerships and corrections, write to service@ichongqing.info.",
    ),
    "/privacy/": (
        "Privacy Statement & Cookie Policy",
        "This site uses cookies to measure traffic and remember your preferences.",
    ),
    "/brands/tour/": (
        "A Tour in Chongqing, A Gain in Vision",
        "Routes, tips and stories for visitors to the mountain city.",
    ),
}


def plain_page(theme: Theme, site: str, path: str, title: str, text: str) -> Page:
    head = f'<link rel="canonical" href="{site}{encode_path(path)}">\n'
    main = (
        '<main id="main" class="site-main page">\n'
        f'<h1 class="page-title">{esc(title)}</h1>\n'
        f'<div class="page-content"><p>{esc(text)}</p></div>\n</main>'
    )
    body = theme.document(site, f"{esc(title)}{theme.suffix}", head, main, "page")
    return Page(body.encode(), HTML, STATIC_LASTMOD)


def ads_page(kind: str) -> Page:
    body = (
        "<!DOCTYPE html>\n<html><head><title>Advertisement</title></head>"
        f'<body><div class="ad ad-{kind}">Advertisement. A polite crawler never asks for this '
        "page: robots.txt disallows /ads/.</div></body></html>\n"
    )
    return Page(body.encode(), HTML, STATIC_LASTMOD)


def render_robots(site_url: str) -> str:
    """robots.txt: /wp-admin/ and /ads/ disallowed, sitemap index named."""
    return (
        "User-agent: *\nDisallow: /wp-admin/\nDisallow: /ads/\n"
        "Allow: /wp-admin/admin-ajax.php\n\n"
        f"Sitemap: {site_url.rstrip('/')}/sitemap_index.xml\n"
    )
