"""Render an offline copy of the iChongqing WordPress site from article records.

Everything here is pure: article records (dicts, see ``articles.json`` and the package docstring)
go in, a mapping of site paths to :class:`Page` objects comes out. The site's own theme
(``theme_ichongqing``) has the shape the spider is written against: article pages with OpenGraph /
Yoast JSON-LD heads and WordPress chrome; a made-up redesign (``theme_newsroom``) has none of it,
to show the crawler reading through a markup change. Both have AMP copies (``markup``), the RSS
feed, Yoast sitemaps, date / category / tag / latest listings, ``robots.txt`` and a few plain
pages (``pages``).

Paths are keyed *decoded*: ``/2025/03/05/cppcc-member-urges-more-engineers-for-nevs丨two-sessions/``
(no query string, no percent-escapes). Every link inside the pages is percent-encoded (UTF-8),
as WordPress writes them. :func:`page_key` turns any request path into its key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date

from . import theme_ichongqing, theme_newsroom
from .markup import Theme, iso, render_amp
from .pages import (
    PLAIN_PAGES,
    ads_page,
    listing_pages,
    plain_page,
    render_feed,
    render_robots,
    urlset,
)
from .records import (
    CST,
    DEFAULT_SITE_URL,
    HTML,
    INTERN_CREDIT,
    NAV_CATEGORIES,
    RSS,
    STATIC_LASTMOD,
    TEXT,
    XML,
    Article,
    Page,
    article_path,
    article_text,
    article_url,
    modified_at,
    published_at,
    slugify,
)

ICHONGQING = theme_ichongqing.THEME.name
NEWSROOM = theme_newsroom.THEME.name
THEMES: dict[str, Theme] = {t.name: t for t in (theme_ichongqing.THEME, theme_newsroom.THEME)}

# Also here for the modules and tests that name them from ``render``.
__all__ = [
    "ICHONGQING",
    "INTERN_CREDIT",
    "NEWSROOM",
    "THEMES",
    "Page",
    "article_path",
    "article_text",
    "article_url",
    "build_site",
    "render_amp",
    "render_article",
    "render_feed",
    "render_robots",
    "site_articles_by_path",
    "theme_named",
]


def theme_named(name: str) -> Theme:
    """The theme called ``name``; a clear error for any other name."""
    try:
        return THEMES[name]
    except KeyError:
        raise ValueError(f"unknown theme {name!r}: expected one of {', '.join(THEMES)}") from None


def render_article(
    article: Article,
    site_url: str = DEFAULT_SITE_URL,
    related: Sequence[Article] = (),
    theme: str = ICHONGQING,
) -> str:
    """The HTML of an article page in ``theme``."""
    return theme_named(theme).article(article, site_url.rstrip("/"), related)


def _related_for(ordered: Sequence[Article], index: int, count: int = 3) -> list[Article]:
    """Nearby posts in publication order, standing in for a related-posts plugin."""
    picks = [ordered[j] for j in range(index - 1, -1, -1)][:count]
    if len(picks) < count:
        picks += [ordered[j] for j in range(index + 1, len(ordered))][: count - len(picks)]
    return picks


def build_site(
    articles: Iterable[Article],
    *,
    site_url: str = DEFAULT_SITE_URL,
    per_page: int = 10,
    feed_size: int = 20,
    per_sitemap: int = 1000,
    theme: str = ICHONGQING,
) -> dict[str, Page]:
    """Render the whole site; the mapping is keyed by decoded path (see the module docstring).

    Absolute links use ``site_url`` (the real address by default; pass the server's own URL to get
    a self-contained copy). ``theme`` names one of ``THEMES``: the site's own, or the redesign
    the spider was not written for. Raises ``ValueError`` on an unknown theme, duplicate
    addresses or a page shape that would hide the publication instant.
    """
    look = theme_named(theme)
    site = site_url.rstrip("/")
    ordered = sorted(articles, key=lambda a: (published_at(a), a["post_id"]))
    pages: dict[str, Page] = {}
    seen_ids: set[int] = set()

    for i, article in enumerate(ordered):
        path = article_path(article)
        if path in pages or article["post_id"] in seen_ids:
            raise ValueError(f"duplicate article address or post_id: {path}")
        seen_ids.add(article["post_id"])
        last = modified_at(article).astimezone(UTC)
        related = _related_for(ordered, i)
        pages[path] = Page(look.article(article, site, related).encode(), HTML, last)
        pages[path + "amp/"] = Page(render_amp(article, site).encode(), HTML, last)

    by_day: dict[date, list[Article]] = {}
    by_category: dict[str, list[Article]] = {slugify(c): [] for c in NAV_CATEGORIES}
    category_names: dict[str, str] = {slugify(c): c for c in NAV_CATEGORIES}
    by_tag: dict[str, list[Article]] = {}
    tag_names: dict[str, str] = {}
    for article in ordered:
        by_day.setdefault(published_at(article).astimezone(CST).date(), []).append(article)
        for cat in article.get("categories", []):
            by_category.setdefault(slugify(cat), []).append(article)
            category_names.setdefault(slugify(cat), cat)
        for tag in article.get("tags", []):
            by_tag.setdefault(slugify(tag), []).append(article)
            tag_names.setdefault(slugify(tag), tag)

    for day, items in by_day.items():
        heading = f"Day: {day:%B} {day.day}, {day.year}"
        pages.update(listing_pages(look, site, f"/{day:%Y/%m/%d}/", heading, items, per_page))
    for slug, items in by_category.items():
        heading = category_names[slug]
        pages.update(listing_pages(look, site, f"/category/{slug}/", heading, items, per_page))
    for slug, items in by_tag.items():
        pages.update(listing_pages(look, site, f"/tag/{slug}/", tag_names[slug], items, per_page))
    pages.update(listing_pages(look, site, "/latest/", "Latest", ordered, per_page))
    pages.update(listing_pages(look, site, "/", "iChongqing", ordered, per_page))

    newest_change = max((modified_at(a) for a in ordered), default=STATIC_LASTMOD)
    newest_change = newest_change.astimezone(UTC)
    pages["/feed/"] = Page(render_feed(ordered, site, feed_size).encode(), RSS, newest_change)

    sitemap_entries: list[str] = []
    chunks = [ordered[k : k + per_sitemap] for k in range(0, len(ordered), per_sitemap)]
    for n, chunk in enumerate(chunks, start=1):
        name = "/post-sitemap.xml" if n == 1 else f"/post-sitemap{n}.xml"
        body = urlset((article_url(a, site), modified_at(a)) for a in chunk)
        last = max(modified_at(a) for a in chunk)
        pages[name] = Page(body.encode(), XML, last.astimezone(UTC))
        sitemap_entries.append(
            f"<sitemap><loc>{site}{name}</loc><lastmod>{iso(last)}</lastmod></sitemap>"
        )
    plain_in_sitemap = ("/about-us/", "/contact-us/", "/privacy/")
    pages["/page-sitemap.xml"] = Page(
        urlset((site + p, STATIC_LASTMOD) for p in plain_in_sitemap).encode(), XML, STATIC_LASTMOD
    )
    sitemap_entries.append(
        f"<sitemap><loc>{site}/page-sitemap.xml</loc><lastmod>{iso(STATIC_LASTMOD)}</lastmod>"
        "</sitemap>"
    )
    index = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(sitemap_entries)
        + "\n</sitemapindex>\n"
    )
    pages["/sitemap_index.xml"] = Page(index.encode(), XML, max(newest_change, STATIC_LASTMOD))

    pages["/robots.txt"] = Page(render_robots(site).encode(), TEXT, STATIC_LASTMOD)
    for path, (title, text) in PLAIN_PAGES.items():
        pages[path] = plain_page(look, site, path, title, text)
    pages["/ads/"] = ads_page("index")
    pages["/ads/click/"] = ads_page("click")
    pages["/ads/banner/"] = ads_page("banner")
    return pages


def site_articles_by_path(articles: Iterable[Article]) -> dict[str, Article]:
    """Records keyed like ``build_site``'s article pages (decoded path)."""
    return {article_path(a): a for a in articles}
